from django.conf import settings
from django.http import HttpRequest

from samenveilig.accounts.models import Role
from samenveilig.accounts.roles import deployment_roles
from samenveilig.communities.selectors import coordinated_community_ids, verified_community_ids


def site(request: HttpRequest) -> dict[str, object]:
    user = getattr(request, "user", None)
    roles = deployment_roles(user) if user is not None else set()
    alerts_sender = alerts_police = False
    if user is not None and user.is_authenticated:
        from samenveilig.alerts.views import may_send, police_area_ids

        alerts_police = Role.POLICE in roles and bool(police_area_ids(user))
        alerts_sender = alerts_police or may_send(user)
    investigator = False
    report_news = 0
    if user is not None and user.is_authenticated:
        from samenveilig.investigations.permissions import investigation_teams
        from samenveilig.reports.services.reporter import reports_with_news_count

        investigator = bool(investigation_teams(user))
        # REP-8: "My reports" says how many of them have news, wherever the reporter is.
        report_news = reports_with_news_count(user)
    return {
        "DEMO_MODE": settings.DEMO_MODE,
        "MAP_TILE_URL": settings.MAP_TILE_URL,
        "MAP_TILE_ATTRIBUTION": settings.MAP_TILE_ATTRIBUTION,
        # The navigation shows the partner inbox only to police and municipality users.
        "nav_is_partner": bool(roles & {Role.POLICE, Role.MUNICIPALITY}),
        "nav_is_member": bool(user is not None and verified_community_ids(user)),
        "nav_is_coordinator": bool(user is not None and coordinated_community_ids(user)),
        # Alerts: police send and approve; coordinators propose where the municipality allows.
        "nav_alerts_sender": alerts_sender,
        "nav_alerts_police": alerts_police,
        # Citizen investigations: investigators and leads of an investigation team (INV-1).
        "nav_investigator": investigator,
        "nav_report_news": report_news,
    }
