"""Template tags of the editorial desk (the admin): the landing page's queues, a reporter's own
stories and notices, and times named by their zone."""

from django import template

from articles import desk_time as times
from articles import notices
from articles.queues import my_stories, queues_for

register = template.Library()


@register.simple_tag
def desk_queues(user):
    """The queues waiting for `user`, for the admin's landing page."""
    if not user.is_authenticated:
        return []
    return queues_for(user)


@register.simple_tag
def desk_my_stories(user):
    """A reporter's own stories, in progress and published (None for anyone else)."""
    if not user.is_authenticated:
        return None
    return my_stories(user)


@register.simple_tag
def desk_notices(user):
    """What happened to `user`'s stories that they have not marked read yet."""
    if not user.is_authenticated:
        return []
    return notices.unread_for(user)


@register.filter
def desk_time(value, fmt: str = "%-d %b %Y, %H:%M"):
    """A time in the newsroom's zone, named: "1 Dec 2026, 14:02 Beirut time"."""
    return times.shown(value, fmt)


@register.simple_tag
def desk_zone():
    """The newsroom's time zone as people say it ("Beirut time")."""
    return times.zone_name()
