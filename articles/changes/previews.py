"""Preview links: making one (a signed address that shows a story's latest saved text to someone
without an account) and revoking it. See articles/previews.py for the address and the lookup.

A link changes nothing readers see of the story: no revision, no version claim and no
announcement. It is still the door's, because it decides who outside the newsroom may read a
story, so who may make it is asked on the locked story and each one leaves an audit row.
"""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.models import User
from django.utils import timezone

from .. import permissions
from .. import previews as addresses
from ..models import Article, PreviewLink
from .bookkeeping import ChangeRefused, _lock, audit, through_the_door

Status = Article.Status


def _shown(when: datetime) -> str:
    return f"{timezone.localtime(when):%d %B %Y %H:%M %Z}"


def _refusal(by: User, article: Article) -> str | None:
    if not permissions.can_view_article(by, article):
        return permissions.NOT_YOURS
    if article.status == Status.WITHDRAWN:
        return "The story has been withdrawn: there is nothing left to preview."
    if not permissions.can_share_preview(by, article):
        return "Preview links are made by editors, and by reporters for their own stories."
    return None


@through_the_door
def create_preview_link(
    article: Article, *, by: User, expires_at: datetime | None = None
) -> PreviewLink:
    """A new preview link of `article` made by `by`, open until `expires_at` (48 hours from now
    when not given; between ten minutes and 30 days)."""
    before = _lock(article)
    refusal = _refusal(by, before)
    if refusal:
        raise ChangeRefused(refusal)
    now = timezone.now()
    expires_at = expires_at or now + addresses.DEFAULT_LIFETIME
    refusal = addresses.expiry_refusal(expires_at, now=now)
    if refusal:
        raise ChangeRefused(refusal)
    link = PreviewLink.objects.create(
        article=before,
        key=addresses.new_key(),
        created_by=by,
        created_at=now,
        expires_at=expires_at,
    )
    audit(
        "preview.create",
        by=by,
        article=before,
        changed=["preview"],
        comment=f"Preview link {link.pk}, open until {_shown(expires_at)}.",
    )
    return link


@through_the_door
def revoke_preview_link(link: PreviewLink, *, by: User) -> PreviewLink:
    """Close `link` for good. Anyone who may share the story may close any of its links (an editor
    one a reporter made, the reporter one an editor made of their story); a link already revoked
    stays as it was, and nothing is recorded twice."""
    before = _lock(link.article_id)
    if not permissions.can_view_article(by, before):
        raise ChangeRefused(permissions.NOT_YOURS)
    if not permissions.can_revoke_preview(by, before):
        raise ChangeRefused(
            "Preview links are revoked by editors, and by reporters for their own stories."
        )
    current = PreviewLink.objects.select_for_update().get(pk=link.pk, article=before)
    if current.revoked_at is not None:
        return current
    current.revoked_at = timezone.now()
    current.revoked_by = by
    current.save(update_fields=["revoked_at", "revoked_by"])
    audit(
        "preview.revoke",
        by=by,
        article=before,
        changed=["preview"],
        comment=f"Preview link {current.pk} revoked.",
    )
    return current
