"""A story as an IPTC ninjs 2.x news item (ninjs-schema.json beside this file says which fields,
and why each of our things is where it is).

Everything here reads what the queryset fetched up front (story_queryset()) and the pictures
read once for all the stories of an answer (pictures_of_bodies()): no query per story, byline,
tag, correction or picture.
"""

import re
from datetime import UTC, datetime

from django.conf import settings
from django.db.models import Prefetch, Q
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.html import strip_tags

from articles import body_media
from articles.credits import role_rel
from articles.models import Article, ArticleQuerySet, Correction, Image
from articles.site_address import site_url
from interviews.markup import answer_html, insertions_html
from interviews.parsing import paragraphs

from ..body import render_body
from ..renditions import RenditionSet, renditions_for
from ..templatetags.bylines import format_byline

NINJS_VERSION = "2.1"
IPTC_SCHEMA = "https://www.iptc.org/std/ninjs/ninjs-schema_2.1.json"
LANGUAGE = "en"


def wire_queryset() -> ArticleQuerySet:
    """What the wire carries: the published stories, and the withdrawn ones readers had been
    able to see (their publication time had come, and no embargo holds them back), with
    everything an item shows, in a fixed number of queries. Drafts, stories on their way,
    scheduled ones not yet live and embargoed ones are not there."""
    now = timezone.now()
    published = Q(pk__in=Article.objects.published().values("pk"))
    withdrawn = Q(status=Article.Status.WITHDRAWN, published_at__lte=now) & ~Q(
        embargo_until__gt=now
    )
    corrections = Correction.objects.order_by("created_at", "pk")
    return (
        Article.objects.filter(published | withdrawn)
        .for_page()
        .prefetch_related(Prefetch("corrections", queryset=corrections))
    )


def absolute(path: str) -> str:
    return path if path.startswith(("http://", "https://")) else f"{site_url()}{path}"


def when(moment: datetime) -> str:
    """RFC 3339 in UTC, to the second (ninjs date-time)."""
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


# src, srcset and href values that are paths on this site, to be made absolute for a partner.
_LOCAL_URL_ATTRIBUTE = re.compile(r'\b(src|href|srcset)="(/[^/"][^"]*|/)"')
_SRCSET_PART = re.compile(r"(^|,\s*)(/(?!/)\S*)")


def absolute_urls(html: str) -> str:
    """`html` with every link and picture address on this site made absolute."""

    def attribute(match: re.Match) -> str:
        name, value = match.groups()
        if name == "srcset":
            value = _SRCSET_PART.sub(lambda m: m.group(1) + absolute(m.group(2)), value)
        else:
            value = absolute(value)
        return f'{name}="{value}"'

    return _LOCAL_URL_ATTRIBUTE.sub(attribute, html)


def body_html(article: Article, images: dict[int, Image]) -> str:
    """The story's body as its page shows it (sanitised on save, pictures as renditions), with
    absolute addresses, embeds as plain links, and an interview's questions and answers."""
    parts: list[str] = [render_body(article.body, images=images, players=False)]
    if article.is_interview:
        for exchange in article.exchanges.all():
            parts.append(f"<p><strong>Q: {insertions_html(exchange.question)}</strong></p>")
            parts += [f"<p>{answer_html(p, marked=False)}</p>" for p in exchange.answer_paragraphs]
    return absolute_urls("\n".join(part for part in parts if part))


_CAPTION = re.compile(r"<figcaption\b.*?</figcaption>", re.S | re.I)


def word_count(html: str) -> int:
    """Words of the text, captions left out (as ninjs counts them)."""
    return len(re.findall(r"\w+", strip_tags(_CAPTION.sub(" ", html))))


def renditions(found: RenditionSet | None) -> list[dict]:
    if found is None:
        return []
    items = []
    for kind, contenttype, chosen in (
        ("webp", "image/webp", found.webp),
        (found.fallback_type.rsplit("/", 1)[-1], found.fallback_type, found.fallback),
    ):
        for rendition in chosen:
            items.append(
                {
                    "name": f"{rendition.width}w-{kind}",
                    "href": absolute(rendition.url),
                    "contenttype": contenttype,
                    "width": rendition.width,
                    "height": rendition.height,
                }
            )
    return items


def picture_item(image: Image, name: str) -> dict | None:
    """A picture as an association: its renditions, caption, alt text and credit."""
    found = renditions_for(image)
    if found is None:
        return None
    item: dict = {
        "name": name,
        "uri": absolute(found.default(1280).url),
        "type": "picture",
        "representationtype": "full",
        "renditions": renditions(found),
    }
    descriptions = [
        {"role": "caption", "contenttype": "text/plain", "value": image.caption},
        {"role": "alt", "contenttype": "text/plain", "value": image.alt_text},
    ]
    item["descriptions"] = [d for d in descriptions if d["value"]]
    if image.credit:
        item["by"] = image.credit
    return item


def original_item(article: Article) -> dict | None:
    """The original-language text, as the translation's source: an association with its own
    address (the original's page) and language."""
    if not article.is_translated or not (article.source_headline or article.source_body):
        return None
    page = absolute(f"{article.get_absolute_url()}original/")
    item: dict = {
        "name": "original",
        "uri": page,
        "type": "text",
        "representationtype": "full",
        "pubstatus": "usable",
        "language": article.original_language,
        "headlines": [{"role": "main", "value": article.source_headline or article.headline}],
        "renditions": [{"name": "web", "href": page, "contenttype": "text/html"}],
    }
    if article.source_dek:
        item["descriptions"] = [
            {"role": "summary", "contenttype": "text/plain", "value": article.source_dek}
        ]
    if article.source_body:
        html = "\n".join(
            f"<p>{insertions_html(paragraph)}</p>" for paragraph in paragraphs(article.source_body)
        )
        item["bodies"] = [main_body(html)]
    return item


def main_body(html: str) -> dict:
    words = word_count(html)
    return {"role": "main", "contenttype": "text/html", "value": html, "wordcount": words}


def correction_body(correction: Correction) -> dict:
    """A public correction, dated as the story's page dates it. ninjs has no field for
    corrections: a body of its own (publishable text, which ednote is not)."""
    day = date_format(timezone.localtime(correction.created_at), "j F Y")
    text = f"Correction, {day}: {correction.text}"
    return {"role": "correction", "contenttype": "text/plain", "value": text}


def version_created(article: Article) -> datetime:
    """When this story last changed for a partner: an edit or a move, or its latest correction."""
    moments = [article.updated_at, article.published_at]
    moments += [correction.created_at for correction in article.corrections.all()]
    return max(moment for moment in moments if moment is not None)


def standard() -> dict:
    return {"name": "ninjs", "version": NINJS_VERSION, "schema": IPTC_SCHEMA}


def story_item(article: Article, images: dict[int, Image]) -> dict:
    """A published story as a ninjs news item."""
    page = absolute(article.get_absolute_url())
    html = body_html(article, images)
    item: dict = {
        "standard": standard(),
        "uri": page,
        "type": "text",
        "representationtype": "full",
        "profile": "newsroom-story",
        # Goes up with every save and move of the story (its optimistic-locking version) and
        # with every correction, which is appended and never rewritten: a partner holding an
        # older version knows to take this one.
        "version": str(article.version + len(article.corrections.all())),
        "firstcreated": when(article.published_at or article.created_at),
        "versioncreated": when(version_created(article)),
        "pubstatus": "usable",
        "language": LANGUAGE,
        "slugline": article.slug,
        "copyrightholder": settings.SITE_NAME,
        "headlines": [{"role": "main", "value": article.headline}],
        "bodies": [main_body(html)],
        "genres": [{"name": article.get_kind_display(), "literal": article.kind}],
        "renditions": [{"name": "web", "href": page, "contenttype": "text/html"}],
    }
    if article.dek:
        item["descriptions"] = [
            {"role": "summary", "contenttype": "text/plain", "value": article.dek}
        ]
    item["bodies"] += [correction_body(c) for c in article.corrections.all()]
    byline = format_byline(article)
    if byline:
        item["by"] = byline
    people = []
    for byline_row in sorted(article.bylines.all(), key=lambda b: b.position):
        person = byline_row.contributor
        people.append(
            {
                "name": person.name,
                "rel": role_rel(byline_row.role),
                "uri": absolute(f"/contributors/{person.slug}/"),
            }
        )
    if people:
        item["people"] = people
    subjects = []
    if article.section is not None:
        subjects.append(
            {
                "name": article.section.name,
                "rel": "section",
                "literal": article.section.slug,
                "uri": absolute(f"/sections/{article.section.slug}/"),
            }
        )
    for tag in sorted(article.tags.all(), key=lambda t: t.name.lower()):
        subjects.append(
            {
                "name": tag.name,
                "rel": "tag",
                "literal": tag.slug,
                "uri": absolute(f"/tags/{tag.slug}/"),
            }
        )
    if subjects:
        item["subjects"] = subjects
    associations = []
    if article.lead_image is not None:
        lead = picture_item(article.lead_image, "leadimage")
        if lead is not None:
            associations.append(lead)
    for number, pk in enumerate(body_media.picture_ids(article.body), start=1):
        image = images.get(pk)
        inline = picture_item(image, f"picture{number}") if image is not None else None
        if inline is not None:
            associations.append(inline)
    original = original_item(article)
    if original is not None:
        associations.append(original)
    if associations:
        item["associations"] = associations
    return item


def withdrawn_item(article: Article) -> dict:
    """A withdrawn story: its address, that it is canceled, when, and the public reason for the
    withdrawal (the one thing its page still says besides its headline). No headline, body,
    credits or pictures: a partner removes the story it holds under this uri."""
    item: dict = {
        "standard": standard(),
        "uri": absolute(article.get_absolute_url()),
        "type": "text",
        "representationtype": "partial",
        "pubstatus": "canceled",
        "language": LANGUAGE,
        "versioncreated": when(article.updated_at),
    }
    if article.withdrawn_reason:
        item["ednote"] = f"Withdrawn: {article.withdrawn_reason}"
    else:
        item["ednote"] = "Withdrawn."
    return item


def item_for(article: Article, images: dict[int, Image]) -> dict:
    if article.status == Article.Status.WITHDRAWN:
        return withdrawn_item(article)
    return story_item(article, images)
