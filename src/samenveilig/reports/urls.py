"""Pages of the reports app. Each journey has its own view module and its own URL list."""

from samenveilig.reports import views_abuse, views_partner, views_reporter, views_submit

app_name = "reports"
urlpatterns = [
    *views_submit.urlpatterns,
    *views_reporter.urlpatterns,
    *views_partner.urlpatterns,
    *views_abuse.urlpatterns,
]
