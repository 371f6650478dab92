from django.contrib import admin

from samenveilig.inquiries.models import Inquiry


@admin.register(Inquiry)
class InquiryAdmin(admin.ModelAdmin):
    list_display = ["reference", "kind", "status", "community", "neighbourhood", "created_at"]
    list_filter = ["status", "kind"]
    search_fields = ["reference"]
    raw_id_fields = ["report", "victim_address", "cocoon_alert", "questionnaire"]
