"""Every write the impact dashboard's figures depend on makes the cached dashboards stale
(``cache_dashboard``). The version is bumped at once and again after the transaction commits:
a request that reads between the write and the commit still sees the old rows and may store
them under the first new version; the second bump makes that entry unreachable."""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

from samenveilig.monitor.cache_dashboard import bump_version


def _stale(sender, **kwargs) -> None:
    bump_version()
    transaction.on_commit(bump_version)


def connect() -> None:
    from samenveilig.alerts.models import Alert
    from samenveilig.communities.models import Community, Membership
    from samenveilig.inquiries.models import CanvassVisit, Inquiry
    from samenveilig.monitor.models import SurveyResponse, SurveyRound
    from samenveilig.monitor.models_dashboard import TallyMonth
    from samenveilig.reports.models import Category, Report

    for model in (
        Report,
        Category,
        SurveyResponse,
        SurveyRound,
        Alert,
        Inquiry,
        CanvassVisit,
        Membership,
        Community,
        TallyMonth,  # saved last in every tally refresh
    ):
        uid = f"monitor-dashboard-stale-{model._meta.label_lower}"
        post_save.connect(_stale, sender=model, dispatch_uid=uid + "-save")
        post_delete.connect(_stale, sender=model, dispatch_uid=uid + "-delete")
    # A community's areas decide which buurten its dashboard counts.
    m2m_changed.connect(
        _stale, sender=Community.areas.through, dispatch_uid="monitor-dashboard-stale-areas"
    )
