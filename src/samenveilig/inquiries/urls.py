"""Pages of neighbourhood inquiries under /buurtonderzoek/ (see ``views`` for who may open which).

Other modules of the app (the canvass pages, the results pages) add their patterns below."""

from django.urls import path, re_path

from samenveilig.inquiries import views

app_name = "inquiries"

# Only the shape of a reference (``services._new_reference``), so these patterns never shadow
# other pages under /buurtonderzoek/.
REFERENCE = r"(?P<reference>B-[0-9A-Z]{8})"

urlpatterns = [
    path("", views.inquiry_list, name="list"),
]
