"""The audit trails, read only and for editors: workflow moves, and every change the door made."""

from django.contrib import admin

from .. import permissions
from ..models import (
    AuditEntry,
    StatusChange,
)


@admin.register(StatusChange)
class StatusChangeAdmin(admin.ModelAdmin):
    """The workflow audit trail, newsroom-wide: read only, written by workflow.transition()."""

    list_display = ("changed_at", "article", "from_status", "to_status", "changed_by", "comment")
    search_fields = ("article__headline", "comment", "changed_by__username")
    list_select_related = ("article", "changed_by")
    # A date filter, not date_hierarchy: its year links take any number (9999 overflowed).
    list_filter = ("transition", "to_status", ("changed_at", admin.DateFieldListFilter))

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
