from django.contrib import admin

from samenveilig.training.models import Certificate


@admin.register(Certificate)
class CertificateAdmin(admin.ModelAdmin):
    list_display = ["module", "user", "issued_at", "valid_until", "reminder_sent_at"]
    list_filter = ["module"]
    raw_id_fields = ["user", "attempt", "created_by", "updated_by"]
    readonly_fields = ["attempt", "issued_at", "reminder_sent_at"]
