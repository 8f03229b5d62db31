"""What the admin's inlines of a story's parts (bylines, interviewee, exchanges) share."""

from . import permissions


class StoryPartInline:
    """Who may add, change and delete a story's parts is articles/permissions.py's to say, on
    top of the model permissions. Mixed in before admin.TabularInline or StackedInline."""

    # Changing existing rows: the story's structure by default; exchanges loosen it so that a
    # translator can work inside them.
    change_rule = staticmethod(permissions.can_change_credits)

    def get_extra(self, request, obj=None, **kwargs):
        return 1 if self.has_add_permission(request, obj) else 0

    def has_add_permission(self, request, obj=None):
        allowed = super().has_add_permission(request, obj)
        return allowed and permissions.can_change_credits(request.user, obj)

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and self.change_rule(request.user, obj)

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        return allowed and permissions.can_change_credits(request.user, obj)
