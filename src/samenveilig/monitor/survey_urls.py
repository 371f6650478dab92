"""The anonymous survey link, mounted at /enquete/ (app_name "survey")."""

app_name = "survey"

urlpatterns: list = []
