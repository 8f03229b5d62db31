"""Staff accounts in the admin: Django's user admin, except that an account that did newsroom
work is deactivated, never deleted.

Deleting it would blank who did what in the audit trail, the workflow history and every revision
(those keep their rows, with the person set to nobody), and the write guard refuses exactly that.
"""

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

User = get_user_model()


def has_newsroom_record(user) -> bool:
    """Did this account leave a trace in the newsroom's records (or is it a credited name)?"""
    from articles.models import Article, AuditEntry, Contributor, Correction, StatusChange

    return (
        Article.objects.filter(created_by=user).exists()
        or Article.history.filter(history_user=user).exists()
        or AuditEntry.objects.filter(by=user).exists()
        or StatusChange.objects.filter(changed_by=user).exists()
        or Correction.objects.filter(created_by=user).exists()
        or Contributor.objects.filter(user=user).exists()
    )


admin.site.unregister(User)


@admin.register(User)
class StaffAdmin(UserAdmin):
    # Deleting an account sets its traces to nobody (none, since accounts with traces are kept):
    # the door's, so that the write guard lets those empty updates through.
    def delete_model(self, request, obj):
        from articles import changes

        with changes.door():
            super().delete_model(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and has_newsroom_record(obj):
            return False
        return super().has_delete_permission(request, obj)

    def delete_queryset(self, request, queryset):
        kept = [user for user in queryset if has_newsroom_record(user)]
        if kept:
            names = ", ".join(user.get_username() for user in kept)
            self.message_user(
                request,
                f"Not deleted, since the newsroom's records name them: {names}. Untick “Active” "
                "on their accounts instead.",
                messages.WARNING,
            )
        from articles import changes

        with changes.door():
            super().delete_queryset(request, queryset.exclude(pk__in=[u.pk for u in kept]))
