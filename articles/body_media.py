"""Pictures from the library and embedded media inside a story's body: how they are stored, who
may place a picture, and how readers get them.

A story's body stores each as a clean reference, never as someone else's markup:

- a picture is ``<img data-image="12" alt="What it shows">``: the library Image by its number
  and the alt text for this use of it. Readers get the Image's renditions (``<picture>`` with
  srcsets), with its caption and credit; never the uploaded original.
- an embed is ``<figure data-embed="youtube" data-embed-id="dQw4w9WgXcQ"><a href="URL">URL</a>
  </figure>``: the provider, its id for the item and the address it was pasted as. Only the
  providers in PROVIDERS are kept. Readers get a link, and the player only when they ask for it
  (public/views.embed_player): no third party's script or frame loads with the page.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from html import unescape
from urllib.parse import parse_qs, quote, urlsplit

from django.db.models import QuerySet
from django.utils.html import format_html

# --- Embeds -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Provider:
    """A service whose items a story may embed, and how its player is addressed."""

    key: str
    name: str
    noun: str  # what readers are offered: "Play the video"
    player_origin: str

    def player_url(self, item: str) -> str:
        return PLAYER_URLS[self.key].format(item=item, quoted=quote(item, safe=""))


PROVIDERS = {
    "youtube": Provider("youtube", "YouTube", "video", "https://www.youtube-nocookie.com"),
    "vimeo": Provider("vimeo", "Vimeo", "video", "https://player.vimeo.com"),
    "soundcloud": Provider("soundcloud", "SoundCloud", "audio", "https://w.soundcloud.com"),
    "x": Provider("x", "X", "post", "https://platform.twitter.com"),
}
PLAYER_URLS = {
    "youtube": "https://www.youtube-nocookie.com/embed/{item}",
    "vimeo": "https://player.vimeo.com/video/{item}",
    "soundcloud": "https://w.soundcloud.com/player/?url=https%3A%2F%2Fsoundcloud.com%2F{quoted}",
    "x": "https://platform.twitter.com/embed/Tweet.html?id={item}",
}
# The address an item is stored and linked as, made again from its id: whatever was pasted
# (tracking parameters, a mobile host) does not survive.
ITEM_URLS = {
    "youtube": "https://www.youtube.com/watch?v={item}",
    "vimeo": "https://vimeo.com/{item}",
    "soundcloud": "https://soundcloud.com/{item}",
    "x": "https://x.com/i/status/{item}",
}
_YOUTUBE_ID = re.compile(r"^[A-Za-z0-9_-]{11}$")
_NUMBER = re.compile(r"^[0-9]{1,20}$")
_SOUNDCLOUD_PATH = re.compile(r"^[A-Za-z0-9_-]{1,100}/[A-Za-z0-9_-]{1,200}$")


@dataclass(frozen=True)
class Embed:
    provider: Provider
    item: str

    @property
    def url(self) -> str:
        return ITEM_URLS[self.provider.key].format(item=self.item)

    @property
    def player_url(self) -> str:
        return self.provider.player_url(self.item)


def embed_for(url: str) -> Embed | None:
    """The embed a pasted address points to, if it is an item of a provider we take; else None."""
    try:
        parts = urlsplit((url or "").strip())
    except ValueError:
        return None
    if parts.scheme not in ("http", "https"):
        return None
    host = (parts.hostname or "").lower().removeprefix("www.").removeprefix("m.")
    path = [p for p in parts.path.split("/") if p]
    item, key = None, None
    if host in ("youtube.com", "youtube-nocookie.com"):
        key = "youtube"
        if path[:1] == ["watch"]:
            item = (parse_qs(parts.query).get("v") or [""])[0]
        elif len(path) == 2 and path[0] in ("embed", "shorts", "live"):
            item = path[1]
    elif host == "youtu.be" and len(path) == 1:
        key, item = "youtube", path[0]
    elif host in ("vimeo.com", "player.vimeo.com"):
        key = "vimeo"
        numbers = [p for p in path if _NUMBER.match(p)]
        item = numbers[-1] if numbers else None
    elif host == "soundcloud.com" and len(path) == 2:
        key, item = "soundcloud", "/".join(path)
    elif (
        host in ("x.com", "twitter.com", "mobile.twitter.com")
        and len(path) >= 3
        and path[-2] == "status"
    ):
        key, item = "x", path[-1]
    if key is None or not item:
        return None
    valid = {"youtube": _YOUTUBE_ID, "vimeo": _NUMBER, "soundcloud": _SOUNDCLOUD_PATH, "x": _NUMBER}
    return Embed(PROVIDERS[key], item) if valid[key].match(item) else None


def embed_stored(provider: str, item: str) -> Embed | None:
    """The embed a stored provider and id name, if they are still valid; else None."""
    found = PROVIDERS.get(provider)
    return embed_for(ITEM_URLS[provider].format(item=item)) if found else None


# --- The stored form ------------------------------------------------------------------------

_ATTRIBUTE = re.compile(r'([a-zA-Z][a-zA-Z0-9_-]*)="([^"]*)"')
_IMG = re.compile(r"<img\b[^>]*>")
_FIGURE = re.compile(r"<figure\b([^>]*)>(.*?)</figure>", re.S)
_HREF = re.compile(r'<a\b[^>]*\bhref="([^"]*)"')


def _attributes(tag: str) -> dict[str, str]:
    return {name.lower(): unescape(value) for name, value in _ATTRIBUTE.findall(tag)}


def picture_ids(html: str) -> list[int]:
    """The library pictures a body shows, by number, in order."""
    ids = []
    for tag in _IMG.findall(html or ""):
        value = _attributes(tag).get("data-image", "")
        if value.isdigit() and int(value) not in ids:
            ids.append(int(value))
    return ids


def _stored_picture(match: re.Match) -> str:
    attributes = _attributes(match.group(0))
    number = attributes.get("data-image", "")
    alt = " ".join(attributes.get("alt", "").split())
    if not number.isdigit() or not alt:
        # A picture from elsewhere (pasted from a web page), or one without its alt text, is
        # not kept: the form says so before saving (articles/forms.py).
        return ""
    return format_html('<img data-image="{}" alt="{}">', int(number), alt)


def _stored_embed(match: re.Match) -> str:
    attributes = _attributes(match.group(0)[: match.group(0).index(">") + 1])
    if "data-embed" not in attributes:
        return match.group(0)
    href = _HREF.search(match.group(2))
    embed = embed_for(unescape(href.group(1))) if href else None
    if embed is None:
        # Not a provider we take: what stays is the link, as a paragraph.
        return (
            format_html(
                '<p><a href="{}">{}</a></p>', unescape(href.group(1)), unescape(href.group(1))
            )
            if href
            else ""
        )
    return format_html(
        '<figure data-embed="{}" data-embed-id="{}"><a href="{}">{}</a></figure>',
        embed.provider.key,
        embed.item,
        embed.url,
        embed.url,
    )


def normalise(html: str) -> str:
    """Body HTML already cleaned by the allow-list, with its pictures and embeds in their stored
    form (see the module's docstring) and anything else of theirs left out."""
    if "<img" in html:
        html = _IMG.sub(_stored_picture, html)
    if "data-embed" in html:
        html = _FIGURE.sub(_stored_embed, html)
    return html


def missing_alt_text(html: str) -> bool:
    """Does a picture in this (not yet stored) body lack its alt text?"""
    for tag in _IMG.findall(html or ""):
        attributes = _attributes(tag)
        if attributes.get("data-image") and not attributes.get("alt", "").strip():
            return True
    return False


def picture_refusal(body: str, before: str, *, by, images: QuerySet) -> str:
    """Why `by` may not place the pictures this body adds to `before`, or "".

    Only pictures the person may see in the library may go into a story
    (permissions.visible_images over `images`): a number typed into the HTML does not open
    another reporter's unpublished picture. Pictures the story had already stay.
    """
    added = [n for n in picture_ids(body) if n not in picture_ids(before)]
    if not added:
        return ""
    from .permissions import visible_images

    allowed = set(visible_images(images.filter(pk__in=added), user=by).values_list("pk", flat=True))
    refused = [n for n in added if n not in allowed]
    if not refused:
        return ""
    numbers = ", ".join(f"#{n}" for n in refused)
    return (
        f"The picture {numbers} is not one you can use from the library: choose another."
        if len(refused) == 1
        else f"The pictures {numbers} are not ones you can use from the library: choose others."
    )


def embeds_in(html: str) -> Iterable[Embed]:
    for match in _FIGURE.finditer(html or ""):
        attributes = _attributes(match.group(0)[: match.group(0).index(">") + 1])
        embed = embed_stored(attributes.get("data-embed", ""), attributes.get("data-embed-id", ""))
        if embed is not None:
            yield embed


def editor_allowlist(config, shared_config) -> None:
    """The editor's own allow-list hook for these extensions. Nothing to add: the body is
    cleaned by articles/sanitize.py, whose allow-list names the picture and embed attributes."""
