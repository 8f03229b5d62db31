"""What a story needs before it goes live: the checklist, asked by the workflow on every path.

Publishing and scheduling (the story form, the workflow panel, the list's bulk action, the
scheduler) all go through articles/workflow/, which asks refusal() about the locked story just
before it moves; the desk shows the same items (items()) beside the buttons. One place, so the
form cannot promise what the workflow then refuses.
"""

from dataclasses import dataclass
from datetime import datetime
from html.parser import HTMLParser

from django.utils import timezone

from . import translation
from .desk_time import shown
from .models import Article, Byline

# Credits that make a byline: who wrote or reported the story. A translator or a photographer
# alone is credited under it, not in it.
BYLINE_ROLES = (Byline.Role.AUTHOR, Byline.Role.REPORTER, Byline.Role.INTERVIEWER)


@dataclass(frozen=True)
class Item:
    """One line of the checklist: what is checked, whether the story has it, what to do if not."""

    key: str
    label: str
    ok: bool
    missing: str = ""


class _ImagesWithoutAlt(HTMLParser):
    """Counts <img> tags whose alt text is missing or blank."""

    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def handle_starttag(self, tag, attrs):
        if tag == "img" and not (dict(attrs).get("alt") or "").strip():
            self.count += 1

    handle_startendtag = handle_starttag


def images_without_alt(article: Article) -> int:
    """How many of the story's pictures (the lead image, pictures in the text) lack alt text."""
    parser = _ImagesWithoutAlt()
    parser.feed(article.body or "")
    parser.close()
    lead = article.lead_image if article.lead_image_id else None
    return parser.count + (1 if lead is not None and not lead.alt_text.strip() else 0)


def items(
    article: Article,
    *,
    target: str = Article.Status.PUBLISHED,
    publish_at: datetime | None = None,
    now: datetime | None = None,
) -> list[Item]:
    """The checklist for moving `article` (as the database has it) to `target`, published or
    scheduled; `publish_at` is the time asked for when scheduling."""
    now = now or timezone.now()
    result = [
        Item(
            "section",
            "A section",
            article.section_id is not None,
            "choose its section",
        ),
        Item(
            "byline",
            "A byline",
            Byline.objects.filter(article_id=article.pk, role__in=BYLINE_ROLES).exists(),
            "credit its author, reporter or interviewer",
        ),
        Item("dek", "A standfirst", bool((article.dek or "").strip()), "write its standfirst"),
    ]
    without_alt = images_without_alt(article)
    result.append(
        Item(
            "alt_text",
            "Alt text on every picture",
            without_alt == 0,
            f"describe {without_alt} picture{'s' if without_alt != 1 else ''} for readers who "
            "cannot see them (alt text)",
        )
    )
    if article.is_translated:
        stale = len(translation.stale_segments(article))
        result.append(
            Item(
                "translation",
                "The translation reviewed",
                stale == 0,
                f"have the translation reviewed ({stale} segment{'s' if stale != 1 else ''} "
                "not reviewed, or changed in the original since)",
            )
        )
    result.append(_time_item(article, target=target, publish_at=publish_at, now=now))
    embargo = _embargo_item(article, target=target, publish_at=publish_at, now=now)
    if embargo is not None:
        result.append(embargo)
    return result


def _embargo_item(
    article: Article, *, target: str, publish_at: datetime | None, now: datetime
) -> Item | None:
    """Under an embargo still to run: not published before its time, nor scheduled earlier
    (scheduling for the embargo's time or later is what to do). None without one."""
    until = article.embargo_until
    if until is None or until <= now:
        return None
    label = "Not before the embargo"
    when = shown(until, "%-d %B %Y, %H:%M")
    if target == Article.Status.SCHEDULED:
        if publish_at is not None and publish_at < until:
            return Item(
                "embargo",
                label,
                False,
                f"it is embargoed until {when}: schedule it for then or later",
            )
        return Item("embargo", label, True)
    return Item(
        "embargo",
        label,
        False,
        f"it is embargoed until {when}: schedule it for then or later, or have the embargo lifted",
    )


def _time_item(
    article: Article, *, target: str, publish_at: datetime | None, now: datetime
) -> Item:
    label = "A publication time: now, or scheduled"
    if target == Article.Status.SCHEDULED:
        if publish_at is None or publish_at <= now:
            return Item("time", label, False, "give a publication time in the future to schedule")
        return Item("time", label, True)
    if (
        article.status != Article.Status.SCHEDULED
        and article.published_at is not None
        and article.published_at > now
    ):
        at = timezone.localtime(article.published_at)
        return Item(
            "time",
            label,
            False,
            f"its publication time, {at:%d %B %Y %H:%M} ({at.tzname()}), is still to come: "
            "schedule it for then, or clear the time to publish it now",
        )
    return Item("time", label, True)


def missing(article: Article, **kwargs) -> list[Item]:
    return [item for item in items(article, **kwargs) if not item.ok]


def refusal(article: Article, **kwargs) -> str | None:
    """Why `article` may not go live yet, naming everything missing; None when it is ready."""
    lacking = missing(article, **kwargs)
    if not lacking:
        return None
    return "Not ready to go live. Before it does: " + "; ".join(i.missing for i in lacking) + "."
