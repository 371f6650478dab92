"""Admin for report categories (REP-1), Open311 API keys (REP-12) and a read-only list of
reports marked as misuse (REP-10).

Reports themselves are not in the admin: an admin runs the deployment and sees no case content
unless they also hold a role (PRODUCT §2). The misuse list shows reference, reason, side and
date only: not the note, the reporter or anything of the report.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import ForeignKey
from django.forms import ModelChoiceField
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from samenveilig.areas.models import Area, AreaLevel
from samenveilig.reports.apikeys import api_key_fill_new
from samenveilig.reports.models import Category, Open311ApiKey, ReportAbuse


def _municipality_field(db_field: ForeignKey, field: ModelChoiceField | None) -> None:
    if field is not None and db_field.name == "municipality":
        field.queryset = Area.objects.filter(level=AreaLevel.MUNICIPALITY).order_by("name")


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = (
        "code",
        "name_nl",
        "name_en",
        "municipality",
        "partner",
        "asks_person",
        "asks_vehicle",
        "is_active",
        "sort_order",
    )
    list_filter = ("is_active", "partner", "municipality", "group")
    search_fields = ("code", "name_nl", "name_en")
    list_select_related = ("municipality",)
    ordering = ("municipality__name", "sort_order", "code")

    def formfield_for_foreignkey(self, db_field: ForeignKey, request: HttpRequest, **kwargs: Any):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        _municipality_field(db_field, field)
        return field


@admin.register(Open311ApiKey)
class Open311ApiKeyAdmin(admin.ModelAdmin):
    """Keys are created here or with ``manage.py open311_key``; the secret is shown once."""

    list_display = ("name", "key_prefix", "municipality", "is_active", "created_at", "last_used_at")
    list_filter = ("is_active", "municipality")
    search_fields = ("name", "key_prefix")
    list_select_related = ("municipality",)
    readonly_fields = ("key_prefix", "created_at", "created_by", "last_used_at")
    actions = ("revoke",)

    def get_fields(self, request: HttpRequest, obj: Open311ApiKey | None = None):
        if obj is None:
            return ("name", "municipality")
        return ("name", "municipality", "is_active", *self.readonly_fields)

    def get_readonly_fields(self, request: HttpRequest, obj: Open311ApiKey | None = None):
        # A key's municipality is part of what the client was promised; make a new key instead.
        if obj is not None:
            return (*self.readonly_fields, "municipality")
        return self.readonly_fields

    def formfield_for_foreignkey(self, db_field: ForeignKey, request: HttpRequest, **kwargs: Any):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        _municipality_field(db_field, field)
        return field

    def save_model(self, request: HttpRequest, obj: Open311ApiKey, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        key = api_key_fill_new(obj)
        obj.created_by = request.user  # type: ignore[assignment]
        super().save_model(request, obj, form, change)
        self.message_user(
            request,
            _(
                "The API key for %(name)s is: %(key)s — copy it now; it is not stored and "
                "will not be shown again."
            )
            % {"name": obj.name, "key": key},
            level=messages.WARNING,
        )

    @admin.action(description=_("Revoke the selected keys"))
    def revoke(self, request: HttpRequest, queryset: Any) -> None:
        count = queryset.update(is_active=False)
        self.message_user(request, _("%(count)s keys revoked.") % {"count": count})


@admin.register(ReportAbuse)
class ReportAbuseAdmin(admin.ModelAdmin):
    """How often and why reports are marked as misuse, per side: read only (marks are made on
    the partner's report page and the moderation page, through the service and its audit row)."""

    list_display = ("report", "reason", "side", "flagged_at")
    list_filter = ("reason", "side", "flagged_at")
    search_fields = ("report__reference",)
    list_select_related = ("report",)
    fields = ("report", "reason", "side", "flagged_at")
    readonly_fields = fields
    ordering = ("-flagged_at", "-id")
    date_hierarchy = "flagged_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
