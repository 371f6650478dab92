from django.contrib import admin

from samenveilig.questionnaires.models import Questionnaire


# Answer sets hold residents' answers (case content), so they are not in the admin.
@admin.register(Questionnaire)
class QuestionnaireAdmin(admin.ModelAdmin):
    list_display = ["name", "form_id", "version", "is_active", "created_at"]
    list_filter = ["is_active"]
    readonly_fields = ["definition"]
