"""The shipped checklists per phase (PRG-1), after the seed articles' four phases of building a
community for safety. A municipality may replace them with its own list per phase."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from samenveilig.programme.models import Phase

DEFAULT_CHECKLISTS = {
    Phase.RELATIONSHIP: (
        _("Get to know the neighbourhood police officer and the municipality's liaison in person"),
        _("Hold a first meeting with residents about what worries them"),
        _("Agree on how residents, police and municipality reach each other"),
        _("Agree on what the community will and will not do (no taking the law into own hands)"),
    ),
    Phase.ROLES: (
        _("Choose a coordinator and a deputy"),
        _("Choose a treasurer for the community's fund"),
        _("Agree who keeps in touch with the police and who with the municipality"),
        _("Every member knows which training they need for their tasks"),
    ),
    Phase.PACE: (
        _("Agree how quickly partners answer reports and how the community hears back"),
        _("Hold a first joint activity (a patrol or a safety walk) with the partners"),
        _("Discuss what went well and what was too fast or too slow for each side"),
        _("Agree how often the community meets with police and municipality"),
    ),
    Phase.CYCLE: (
        _("Run the Communitymonitor survey for a first measurement"),
        _("Agree on the cycle's rhythm (for example every quarter)"),
        _("Write down the first cycle's goals"),
        _("Plan the first evaluation with police and municipality"),
    ),
}
