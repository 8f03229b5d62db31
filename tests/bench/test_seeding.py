"""bench/seed.py and bench/seeding.py: counts, determinism, and the shape of the stories made."""

from contextlib import redirect_stderr, redirect_stdout
from io import StringIO

import pytest
from django.db.models import Count
from taggit.models import TaggedItem

from articles.models import Article, Byline
from articles.search import search_articles
from bench.seed import main as seed_command
from interviews.models import Exchange, Interview

pytestmark = pytest.mark.django_db

UNTIL = "2025-06-30"


@pytest.fixture(autouse=True)
def _debug_on(settings):
    """As on a developer's machine or the benchmark's database: the command refuses otherwise."""
    settings.DEBUG = True


class Refused(Exception):
    """bench/seed.py stopped with a message (argparse's exit)."""


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        try:
            seed_command(list(args))
        except SystemExit as stop:
            if stop.code:
                raise Refused(err.getvalue()) from None
    return out.getvalue(), err.getvalue()


def seed(stories: int = 50, seed: int = 7) -> str:
    out, err = run(f"--stories={stories}", f"--seed={seed}", f"--until={UNTIL}")
    assert f"{stories:,}/{stories:,} stories" in err  # the progress bar finished
    return out


def snapshot() -> list[tuple]:
    """What a reader would see of each story, without database-assigned ids and timestamps."""
    return [
        (
            a.slug,
            a.headline,
            a.dek,
            a.body,
            a.kind,
            a.section.name,
            a.published_at,
            a.original_language,
            a.source_headline,
            a.source_body,
            tuple((b.contributor.slug, b.role, b.position) for b in a.bylines.all()),
            tuple(sorted(t.slug for t in a.tags.all())),
            tuple((e.position, e.question, e.answer, e.answer_original) for e in a.exchanges.all()),
        )
        for a in Article.objects.for_page().order_by("published_at")
    ]


def test_seeds_the_number_of_stories_asked_for_all_published():
    output = seed(50)

    assert "Seeded 50 stories" in output
    assert Article.objects.count() == 50
    assert set(Article.objects.values_list("status", flat=True)) == {Article.Status.PUBLISHED}
    assert Article.objects.published().count() == 50
    kinds = set(Article.objects.values_list("kind", flat=True))
    assert Article.Kind.INTERVIEW in kinds
    assert len(kinds) >= 3


def test_stories_have_bylines_tags_sections_and_arabic_source_on_some():
    seed(50)

    byline_counts = Article.objects.annotate(n=Count("bylines")).values_list("n", flat=True)
    assert set(byline_counts) <= {1, 2, 3, 4}
    for article in Article.objects.all():
        assert 2 <= TaggedItem.objects.filter(object_id=article.pk).count() <= 6
    assert not Article.objects.filter(section__isnull=True).exists()
    translated = Article.objects.filter(original_language="ar")
    assert 5 <= translated.count() <= 30
    assert not translated.filter(source_body="").exists()
    assert Byline.objects.values("contributor").distinct().count() > 5


def test_every_interview_has_an_interviewee_and_3_to_12_exchanges():
    seed(50)

    interviews = Article.objects.filter(kind=Article.Kind.INTERVIEW)
    assert interviews.exists()
    assert Interview.objects.count() == interviews.count()
    counts = interviews.annotate(n=Count("exchanges")).values_list("n", flat=True)
    assert all(3 <= n <= 12 for n in counts)
    assert not Exchange.objects.exclude(article__kind=Article.Kind.INTERVIEW).exists()
    assert Exchange.objects.filter(answer__contains="[").exists()  # bracketed insertions
    assert (
        Exchange.objects.filter(article__original_language="ar")
        .exclude(answer_original="")
        .exists()
    )


def test_seeded_stories_are_found_by_search():
    seed(30)
    story = Article.objects.order_by("pk").first()

    # Bulk inserts send no signals: seeding fills the stored search vectors itself.
    assert story in search_articles(story.headline)


def test_the_same_seed_makes_the_same_stories():
    seed(30, seed=3)
    first = snapshot()
    Article.objects.all().delete()

    seed(30, seed=3)

    assert snapshot() == first


def test_another_seed_makes_other_stories():
    seed(20, seed=1)
    first = {row[0] for row in snapshot()}

    seed(20, seed=2)

    assert Article.objects.count() == 40
    assert first < {row[0] for row in snapshot()}


def test_refuses_a_seed_already_used_and_bad_counts():
    seed(10, seed=5)

    with pytest.raises(Refused, match="already holds stories seeded with --seed 5"):
        seed(10, seed=5)
    with pytest.raises(Refused, match="at least 1"):
        run("--stories=0")
    assert Article.objects.count() == 10


def test_refuses_to_run_with_debug_off_and_writes_nothing(settings):
    settings.DEBUG = False

    with pytest.raises(Refused, match=r"runs only\s+with DEBUG on"):
        run("--stories=5", "--no-progress")

    assert not Article.objects.exists()


def test_force_seeds_with_debug_off(settings):
    settings.DEBUG = False
    out, _ = run("--stories=5", f"--until={UNTIL}", "--no-progress", "--force")

    assert "Seeded 5 stories" in out
    assert Article.objects.published().count() == 5
