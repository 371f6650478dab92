"""Open311 GeoReport v2 under /open311/v2/ (REP-12)."""

urlpatterns: list = []
