from django.contrib import admin

from errorhub.issues.models import Activity, Issue


@admin.register(Issue)
class IssueAdmin(admin.ModelAdmin):
    list_display = ("id", "project", "title", "lifecycle", "times_seen", "last_seen")
    list_filter = ("lifecycle", "level")
    search_fields = ("title", "culprit")
    raw_id_fields = ("assignee", "merged_into")


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    list_display = ("issue", "kind", "user", "actor", "created_at")
