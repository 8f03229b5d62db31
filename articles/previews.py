"""Shareable previews: the signed address of a preview link, finding the link an address names,
and recording that it was opened.

A link's address is /preview/<token>/, where the token is the link's random key signed with the
site's SECRET_KEY under a salt of its own (django.core.signing). An address whose signature does
not match (a key typed by hand, a token cut short or changed) is refused before the database is
asked. Whether the link still opens anything (not revoked, not expired) is the database's to
say: its expiry is set when it is made, and revoking it is one row's update. Making and revoking
links are the door's (articles/changes/previews.py); the page is public/previews.py's.
"""

import secrets
from datetime import datetime, timedelta

from django.core import signing
from django.urls import reverse
from django.utils import timezone

from .models import PreviewLink, PreviewOpening
from .site_address import site_url

# Signatures made for preview links are good for nothing else, and no other signature is good here.
SALT = "articles.previews.link"
# "." rather than ":": the token reads as one word in an address and in a chat message.
SEPARATOR = "."

DEFAULT_LIFETIME = timedelta(hours=48)
# A link is for checking a story before it goes out, not a standing back door to the desk.
SHORTEST_LIFETIME = timedelta(minutes=10)
LONGEST_LIFETIME = timedelta(days=30)


def _signer() -> signing.Signer:
    return signing.Signer(salt=SALT, sep=SEPARATOR)


def new_key() -> str:
    return secrets.token_urlsafe(18)


def token_for(link: PreviewLink) -> str:
    return _signer().sign(link.key)


def key_from(token: str) -> str | None:
    """The key a token carries, if its signature is this site's; None for anything else."""
    if not token or len(token) > 200:
        return None
    try:
        return _signer().unsign(token)
    except signing.BadSignature:
        return None


def preview_path(link: PreviewLink) -> str:
    return reverse("articles:preview", args=[token_for(link)])


def preview_url(link: PreviewLink) -> str:
    """The absolute address to give someone (articles/site_address.py: SITE_URL in production)."""
    return site_url() + preview_path(link)


def active_link(token: str) -> PreviewLink | None:
    """The link `token` opens now, with its story: None if the token is not one of ours, or its
    link is unknown, revoked or expired. Read from the primary database by the caller."""
    key = key_from(token)
    if key is None:
        return None
    link = PreviewLink.objects.filter(key=key).first()
    if link is None or not link.is_active:
        return None
    return link


def record_opening(link: PreviewLink) -> PreviewOpening:
    """One row: this link was opened now. Nothing about who opened it."""
    return PreviewOpening.objects.create(link=link, opened_at=timezone.now())


def expiry_refusal(expires_at: datetime, *, now: datetime | None = None) -> str | None:
    """Why a link may not expire at `expires_at`, or None if it may."""
    now = now or timezone.now()
    if expires_at < now + SHORTEST_LIFETIME:
        return "A preview link must stay open for at least ten minutes: choose a later time."
    if expires_at > now + LONGEST_LIFETIME:
        return "A preview link may stay open for 30 days at most: choose an earlier time."
    return None
