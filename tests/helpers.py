"""Small helpers several test modules share."""

from django.core.files.storage import default_storage
from django.db import connection
from django.test.utils import CaptureQueriesContext


def queries_to_render(client, url: str) -> int:
    """How many SQL queries rendering `url` takes; the page must answer 200."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


def edit(article, *, by, **fields):
    """Change story fields as a person does, through the door; returns the story as saved."""
    from articles import changes

    saved, _ = changes.edit_story(article, changes.StoryChanges(fields=fields), by=by)
    return saved


def inline_management(prefix: str, total: int, initial: int) -> dict[str, str]:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def byline_rows(article) -> dict[str, str]:
    """The story form's credit rows for `article`'s credits, as the browser sends them."""
    rows = list(article.bylines.order_by("position"))
    data = inline_management("bylines", len(rows), len(rows))
    for i, byline in enumerate(rows):
        data.update(
            {
                f"bylines-{i}-id": str(byline.pk),
                f"bylines-{i}-article": str(article.pk),
                f"bylines-{i}-position": str(byline.position),
                f"bylines-{i}-contributor": str(byline.contributor_id),
                f"bylines-{i}-role": byline.role,
            }
        )
    return data


def full_story_form(article, **overrides) -> dict[str, str]:
    """The story form as the browser sends it for `article` untouched: every field and every
    inline row as they are, so that only `overrides` differ."""
    from django.utils import timezone

    from interviews.models import Interview

    data = {
        "headline": article.headline,
        "slug": article.slug,
        "dek": article.dek,
        "body": article.body,
        "kind": article.kind,
        "section": str(article.section_id or ""),
        "tags": ", ".join(sorted(article.tags.names())),
        "lead_image": str(article.lead_image_id or ""),
        "original_language": article.original_language,
        "source_headline": article.source_headline,
        "source_dek": article.source_dek,
        "source_body": article.source_body,
        "published_at_0": "",
        "published_at_1": "",
        "loaded_version": str(article.version),
        **inline_management("corrections", 0, 0),
    }
    if article.published_at:
        local = timezone.localtime(article.published_at)
        data["published_at_0"] = local.strftime("%Y-%m-%d")
        data["published_at_1"] = local.strftime("%H:%M:%S")
    data.update(byline_rows(article))
    interview = Interview.objects.filter(article=article).first()
    data.update(inline_management("interview", 1 if interview else 0, 1 if interview else 0))
    if interview:
        data.update(
            {
                "interview-0-article": str(article.pk),
                "interview-0-interviewee_name": interview.interviewee_name,
                "interview-0-interviewee_description": interview.interviewee_description,
            }
        )
    exchanges = list(article.exchanges.order_by("position"))
    data.update(inline_management("exchanges", len(exchanges), len(exchanges)))
    for i, exchange in enumerate(exchanges):
        for name in ("question", "answer", "question_original", "answer_original", "position"):
            data[f"exchanges-{i}-{name}"] = str(getattr(exchange, name))
        data[f"exchanges-{i}-id"] = str(exchange.pk)
        data[f"exchanges-{i}-article"] = str(article.pk)
    data.update(overrides)
    return data


def stored_files(storage=default_storage, folder: str = "") -> set[str]:
    """Every file in media storage, found through the storage API alone (as on S3)."""
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:
        return set()
    prefix = f"{folder}/" if folder else ""
    found = {prefix + name for name in files}
    for name in folders:
        found |= stored_files(storage, prefix + name)
    return found
