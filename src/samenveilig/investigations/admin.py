"""Admin for the configurable offence catalogue (INV-2).

Cases, evidence, agreements and hand-overs are not in the admin: an admin runs the deployment and
sees no case content unless they also hold a role (PRODUCT §2); every case action is audited.
"""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from samenveilig.investigations.models import Offence


@admin.register(Offence)
class OffenceAdmin(admin.ModelAdmin):
    list_display = (
        "code",
        "name_nl",
        "name_en",
        "legal_reference",
        "involves_minors",
        "is_active",
        "sort_order",
        "case_count",
    )
    list_editable = ("is_active", "sort_order")
    list_filter = ("is_active", "involves_minors")
    search_fields = ("code", "name_nl", "name_en", "legal_reference")
    fields = (
        "code",
        "name_nl",
        "name_en",
        "legal_reference",
        "verification_note",
        "involves_minors",
        "is_active",
        "sort_order",
    )

    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        return super().get_queryset(request).annotate(number_of_cases=Count("cases"))

    @admin.display(description=_("cases"), ordering="number_of_cases")
    def case_count(self, obj: Offence) -> int:
        return obj.number_of_cases

    def get_readonly_fields(self, request, obj=None):  # type: ignore[no-untyped-def]
        readonly = []
        if obj is not None:
            # Audit rows and hand-over packages name the offence by its code.
            readonly.append("code")
            if obj.involves_minors:
                # INV-5: switching this off would let images into grooming cases (existing and
                # new); a wrong entry is switched off with "active" and replaced instead.
                readonly.append("involves_minors")
        return readonly

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        # An offence a case refers to stays (PROTECT); switching it off removes it from the form.
        if obj is None:
            return super().has_delete_permission(request)
        return super().has_delete_permission(request, obj) and not obj.cases.exists()
