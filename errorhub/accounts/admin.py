from django.contrib import admin

from errorhub.accounts.models import ApiToken, Organization, Project, ProjectKey, Team


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ("slug", "name", "created_at")
    search_fields = ("slug", "name")


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("slug", "name", "organization")
    filter_horizontal = ("members",)


class ProjectKeyInline(admin.TabularInline):
    model = ProjectKey
    extra = 0
    readonly_fields = ("public_key",)


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ("slug", "name", "organization", "rate_limit_per_minute", "retention_days")
    filter_horizontal = ("teams",)
    inlines = [ProjectKeyInline]


@admin.register(ProjectKey)
class ProjectKeyAdmin(admin.ModelAdmin):
    list_display = ("public_key", "project", "label", "is_active", "rate_limit_per_minute")
    list_filter = ("is_active",)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("user", "label", "prefix", "can_write", "created_at", "last_used_at")
    exclude = ("token_hash",)
