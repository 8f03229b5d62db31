"""A story's body as readers get it: library pictures as renditions, embeds as links that load
their player only when the reader asks (articles/body_media.py says how both are stored)."""

import re

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from articles import body_media
from articles.models import Image

from .renditions import renditions_for

_INLINE_SIZES = "(min-width: 48rem) 46rem, 100vw"


def render_body(
    body: str,
    *,
    pictures: bool = True,
    images: dict[int, Image] | None = None,
    players: bool | None = None,
) -> SafeString:
    """The stored (sanitised) body with its pictures and embeds made into reader markup.

    All of the body's pictures are read in one query, whatever their number, and none when it
    has none; a caller rendering many bodies reads them all at once and passes them as `images`
    (pictures_of_bodies()). With `pictures` False (feeds) pictures are left out and embeds are
    plain links; `players` False keeps the pictures but makes embeds plain links (the wire API:
    a partner's page has no player of ours).
    """
    if players is None:
        players = pictures
    body = body or ""
    if "data-image" in body:
        if not pictures:
            images = {}
        elif images is None:
            images = pictures_of_bodies([body])

        def picture(match: re.Match) -> str:
            attributes = body_media._attributes(match.group(0))
            image = images.get(int(attributes.get("data-image", "0") or 0))
            found = renditions_for(image) if image is not None else None
            if image is None or found is None:
                return ""
            return render_to_string(
                "includes/body_picture.html",
                {
                    "image": image,
                    "set": found,
                    "alt": attributes.get("alt") or image.alt_text,
                    "sizes": _INLINE_SIZES,
                },
            )

        body = body_media._IMG.sub(picture, body)
    if "data-embed" in body:

        def embed(match: re.Match) -> str:
            attributes = body_media._attributes(match.group(0)[: match.group(0).index(">") + 1])
            if "data-embed" not in attributes:
                return match.group(0)
            found = body_media.embed_stored(
                attributes.get("data-embed", ""), attributes.get("data-embed-id", "")
            )
            if found is None:
                return ""
            player = reverse("articles:embed", args=[found.provider.key, found.item])
            return render_to_string(
                "includes/body_embed.html",
                {"embed": found, "player": player if players else ""},
            )

        body = body_media._FIGURE.sub(embed, body)
    return mark_safe(body)  # sanitised on save; what is added here is escaped by its template


def pictures_of_bodies(bodies: list[str]) -> dict[int, Image]:
    """The library pictures of all of these bodies, in one query (none if they have none)."""
    ids: set[int] = set()
    for body in bodies:
        if "data-image" in (body or ""):
            ids.update(body_media.picture_ids(body))
    return Image.objects.in_bulk(list(ids)) if ids else {}


def has_embeds(body: str) -> bool:
    return "data-embed=" in (body or "")
