"""Admin for the configurable list of flag categories (FLG-1).

Flags, hits and lookups are not in the admin: an admin runs the deployment and sees no case
content unless they also hold a role (PRODUCT §2); the audit chain records who did what.
"""

from __future__ import annotations

from django.contrib import admin

from samenveilig.flags.models import FlagCategory


@admin.register(FlagCategory)
class FlagCategoryAdmin(admin.ModelAdmin):
    list_display = ("code", "name_nl", "name_en", "is_active", "sort_order")
    list_editable = ("is_active", "sort_order")
    search_fields = ("code", "name_nl", "name_en")

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        # A category in use stays (PROTECT); switching it off removes it from the form.
        return obj is None or not obj.flags.exists()
