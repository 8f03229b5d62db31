"""Template tags of the editorial desk (the admin): the queues on the landing page."""

from django import template

from articles.queues import queues_for

register = template.Library()


@register.simple_tag
def desk_queues(user):
    """The queues waiting for `user`, for the admin's landing page."""
    if not user.is_authenticated:
        return []
    return queues_for(user)
