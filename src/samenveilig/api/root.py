"""The REST API root under /api/v1/ (PLT-2); each app adds its own router."""

from ninja import NinjaAPI

api = NinjaAPI(title="Samen Veilig API", version="1", urls_namespace="api")


@api.get("/health", auth=None, tags=["platform"], summary="Liveness and database check")
def health(request):  # type: ignore[no-untyped-def]
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return {"status": "ok"}
