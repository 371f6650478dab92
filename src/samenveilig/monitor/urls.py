"""Pages of the Communitymonitor under /monitor/ (app_name "monitor").

The anonymous answering page lives at /enquete/<token>/ (``survey_urls``), outside this prefix.
"""

from django.urls import path  # noqa: F401

app_name = "monitor"

urlpatterns: list = []
