"""The audit trails, read only and for editors: workflow moves, and every change the door made."""

from django.contrib import admin

from .. import permissions, workflow
from ..models import (
    AuditEntry,
    StatusChange,
)


def move_label(name: str) -> str:
    """A workflow step as the desk's buttons call it ("Pass translation"), never its code name."""
    spec = workflow.TRANSITIONS.get(name)
    return spec.label if spec else name.replace("_", " ").capitalize()


class MoveFilter(admin.SimpleListFilter):
    title = "move"
    parameter_name = "transition"

    def lookups(self, request, model_admin):
        return [(name, spec.label) for name, spec in workflow.TRANSITIONS.items()]

    def queryset(self, request, queryset):
        return queryset.filter(transition=self.value()) if self.value() else queryset


@admin.register(StatusChange)
class StatusChangeAdmin(admin.ModelAdmin):
    """The workflow audit trail, newsroom-wide: read only, written by workflow.transition()."""

    list_display = (
        "changed_at",
        "article",
        "move",
        "from_status",
        "to_status",
        "changed_by",
        "comment",
    )
    fields = ("changed_at", "article", "move", "from_status", "to_status", "changed_by", "comment")
    readonly_fields = fields
    search_fields = ("article__headline", "comment", "changed_by__username")
    list_select_related = ("article", "changed_by")
    # A date filter, not date_hierarchy: its year links take any number (9999 overflowed).
    list_filter = (MoveFilter, "to_status", ("changed_at", admin.DateFieldListFilter))

    @admin.display(description="move", ordering="transition")
    def move(self, obj):
        return move_label(obj.transition)

    def has_view_permission(self, request, obj=None):
        return permissions.is_editor(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Every change made through the door, newsroom-wide: read only, for editors."""

    list_display = ("at", "action_label", "subject", "changed_list", "by", "comment")
    list_filter = ("action", ("at", admin.DateFieldListFilter))
    search_fields = ("subject", "comment", "by__username")
    list_select_related = ("by",)
    show_full_result_count = False

    @admin.display(description="what happened", ordering="action")
    def action_label(self, obj):
        return obj.get_action_display()

    @admin.display(description="changed")
    def changed_list(self, obj):
        return ", ".join(permissions.CHANGE_LABELS.get(name, name) for name in obj.changed)

    def has_view_permission(self, request, obj=None):
        return permissions.is_editor(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
