from django.contrib import admin

from samenveilig.activities.models import DriftSignal, Project, Task


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    list_display = ("title", "community", "kind", "status", "starts_at", "due_at")
    list_filter = ("kind", "status")
    raw_id_fields = ("community", "project", "series", "proposed_by", "decided_by")


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ("title", "community", "created_at")
    raw_id_fields = ("community",)


@admin.register(DriftSignal)
class DriftSignalAdmin(admin.ModelAdmin):
    list_display = ("community", "week", "recipients", "created_at")
    readonly_fields = ("community", "week", "reasons", "figures", "recipients", "created_at")
