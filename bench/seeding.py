"""Seed an archive of realistic published stories in bulk, for benchmarks and load tests.

Everything here is a function of the seed (and of the last day of the archive): the same
`seed_archive(stories=N, seed=S, until=D)` on an empty database makes the same rows every time.
Rows are written with bulk_create in batches, a transaction per batch, so 100,000 stories take
minutes rather than hours. This is seed data: it bypasses the editorial workflow on purpose.
"""

import random
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TextIO

from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.utils.text import slugify
from taggit.models import Tag, TaggedItem

from articles.models import Article, Byline, Contributor, Section
from articles.search import optimize_search_index, refresh_search_vectors
from bench.words import (
    ACTIONS,
    AFFILIATIONS,
    ARABIC_WORDS,
    FIRST_NAMES,
    HEADLINE_TEMPLATES,
    INSERTIONS,
    INTERVIEW_TEMPLATES,
    KINDS,
    LAST_NAMES,
    PLACES,
    QUOTES,
    ROLES,
    SECTIONS,
    SUBJECTS,
    TAG_STEMS,
    WORDS,
    Text,
)
from interviews.models import Exchange, Interview
from newsroom.sqlite import refresh_statistics

ARCHIVE_YEARS = 10
BATCH_SIZE = 1000


@dataclass(frozen=True)
class SeedResult:
    stories: int
    interviews: int
    exchanges: int
    bylines: int
    tagged_items: int
    contributors: int
    tags: int
    seconds: float


def _progress(out: TextIO | None, total: int) -> Callable[[int], None]:
    """A plain-text progress bar on `out` (stderr), redrawn in place."""
    started = time.monotonic()
    width = 30

    def show(done: int) -> None:
        if out is None:
            return
        elapsed = max(time.monotonic() - started, 1e-6)
        rate = done / elapsed
        remaining = (total - done) / rate if rate else 0
        filled = int(width * done / total) if total else width
        bar = "#" * filled + "." * (width - filled)
        end = "\n" if done >= total else ""
        out.write(
            f"\r[{bar}] {done:,}/{total:,} stories {rate:,.0f}/s "
            f"elapsed {elapsed:,.0f}s eta {remaining:,.0f}s{end}"
        )
        out.flush()

    return show


def _pool_contributors(rng: random.Random, size: int) -> list[Contributor]:
    """`size` contributors, reusing any already in the database under the same slug."""
    wanted: dict[str, Contributor] = {}
    while len(wanted) < size:
        name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        slug = slugify(name)
        if slug in wanted:
            # Same name twice in a big pool: a second person, told apart by a number.
            n = 2
            while f"{slug}-{n}" in wanted:
                n += 1
            slug = f"{slug}-{n}"
            name = f"{name} ({n})"
        wanted[slug] = Contributor(
            name=name,
            slug=slug,
            affiliation=rng.choice(AFFILIATIONS),
            bio=f"{name} has reported for the newsroom since {rng.randint(2011, 2020)}.",
        )
    existing = {c.slug: c for c in Contributor.objects.filter(slug__in=list(wanted))}
    Contributor.objects.bulk_create([c for s, c in wanted.items() if s not in existing])
    by_slug = {c.slug: c for c in Contributor.objects.filter(slug__in=list(wanted))}
    return [by_slug[slug] for slug in wanted]


def _pool_tags(size: int) -> list[Tag]:
    """`size` tags: the stems, then the stems with a place ("water in Raqqa"), reusing existing."""
    names: list[str] = list(TAG_STEMS)
    for place in PLACES:
        names += [f"{stem} in {place}" for stem in TAG_STEMS]
    names = names[:size]
    slugs = {slugify(name): name for name in names}
    existing = set(Tag.objects.filter(slug__in=list(slugs)).values_list("slug", flat=True))
    Tag.objects.bulk_create(
        [Tag(name=name, slug=slug) for slug, name in slugs.items() if slug not in existing],
        ignore_conflicts=True,  # a tag of the same name in other case already there
    )
    by_slug = {t.slug: t for t in Tag.objects.filter(slug__in=list(slugs))}
    return [by_slug[slugify(name)] for name in names if slugify(name) in by_slug]


def _sections() -> list[Section]:
    sections = []
    for position, (name, description) in enumerate(SECTIONS):
        section = Section.objects.filter(name=name).first()
        if section is None:
            section = Section(name=name, description=description, position=position)
            section.save()  # one of eight rows: save() makes the slug the usual way
        sections.append(section)
    return sections


def publication_times(rng: random.Random, count: int, until: date) -> Iterator[datetime]:
    """`count` increasing times spread over the ARCHIVE_YEARS years that end on `until`, so
    that primary keys follow publication order, as they do in a real archive."""
    end = datetime(until.year, until.month, until.day, tzinfo=UTC)
    start = end - timedelta(days=365 * ARCHIVE_YEARS)
    step = (end - start).total_seconds() / max(count, 1)
    for n in range(count):
        yield start + timedelta(seconds=int((n + rng.random()) * step))


def _html(paragraphs: list[str]) -> str:
    return "".join(f"<p>{p}</p>" for p in paragraphs)


def _insert(rng: random.Random, answer: str) -> str:
    """Put a bracketed editorial insertion into some answers, as translators do."""
    if rng.random() >= 0.35:
        return answer
    words = answer.split(" ")
    at = rng.randrange(len(words))
    words.insert(at, rng.choice(INSERTIONS))
    return " ".join(words)


def seed_archive(
    *,
    stories: int,
    seed: int = 0,
    until: date | None = None,
    batch_size: int = BATCH_SIZE,
    progress: TextIO | None = sys.stderr,
) -> SeedResult:
    """Add `stories` published stories, with their pools of contributors, tags and sections.

    Raises ValueError if this seed was already used on this database (the slugs would clash).
    """
    if stories < 1:
        raise ValueError("The number of stories must be at least 1.")
    started = time.monotonic()
    until = until or datetime.now(tz=UTC).date()
    rng = random.Random(seed)
    english = Text(rng, WORDS, 4000)
    arabic = Text(rng, ARABIC_WORDS, 1500, arabic=True)

    slug_suffix = f"s{seed}"
    if Article.objects.filter(slug__endswith=f"-{slug_suffix}-1").exists():
        raise ValueError(
            f"This database already holds stories seeded with --seed {seed}; "
            "use another seed or an empty database."
        )

    sections = _sections()
    by_name = {s.name: s for s in sections}
    contributors = _pool_contributors(rng, max(20, min(1000, stories // 100)))
    tags = _pool_tags(max(30, min(600, stories // 50)))
    article_type = ContentType.objects.get_for_model(Article)
    kinds, weights = zip(*KINDS, strict=True)
    times = publication_times(rng, stories, until)
    show = _progress(progress, stories)
    totals = {"interviews": 0, "exchanges": 0, "bylines": 0, "tagged_items": 0}

    n = 0
    while n < stories:
        count = min(batch_size, stories - n)
        articles: list[Article] = []
        parts: list[tuple] = []  # what each article gets once it has a primary key
        for _ in range(count):
            n += 1
            kind = rng.choices(kinds, weights)[0]
            translated = rng.random() < 1 / 3
            place, subject = rng.choice(PLACES), rng.choice(SUBJECTS)
            if kind == Article.Kind.INTERVIEW:
                headline = rng.choice(INTERVIEW_TEMPLATES).format(
                    quote=rng.choice(QUOTES),
                    role=rng.choice(ROLES),
                    place=place,
                    subject=subject,
                    action=rng.choice(ACTIONS),
                )
                section = by_name["Interviews"] if rng.random() < 0.5 else rng.choice(sections)
            else:
                headline = rng.choice(HEADLINE_TEMPLATES).format(
                    place=place, subject=subject, action=rng.choice(ACTIONS)
                )
                headline = headline[0].upper() + headline[1:]
                section = (
                    by_name["Opinion"] if kind == Article.Kind.OPINION else rng.choice(sections[:6])
                )
            body = english.paragraphs(
                rng.randint(2, 4) if kind == "interview" else rng.randint(4, 9)
            )
            article = Article(
                headline=headline,
                slug=f"{slugify(headline)[:60].strip('-')}-{slug_suffix}-{n}",
                dek=english.paragraph((1, 2)),
                body=_html(body),  # plain <p> paragraphs: already what the sanitizer keeps
                kind=kind,
                section=section,
                # Seed data: published directly in bulk, bypassing workflow.transition(), which
                # would write an audit row per story and take hours at this size.
                status=Article.Status.PUBLISHED,
                published_at=next(times),
            )
            if translated:
                article.original_language = "ar"
                article.source_headline = " ".join(rng.choices(ARABIC_WORDS, k=rng.randint(5, 9)))
                article.source_dek = arabic.paragraph((1, 2))
                article.source_body = "\n\n".join(arabic.paragraphs(len(body)))
            articles.append(article)

            people = rng.sample(contributors, rng.randint(1, 4))
            roles = [
                Byline.Role.INTERVIEWER if kind == "interview" else Byline.Role.REPORTER
            ] * len(people)
            if translated and len(people) > 1:
                roles[-1] = Byline.Role.TRANSLATOR
            story_tags = rng.sample(tags, rng.randint(2, min(6, len(tags))))
            exchanges = []
            interviewee = None
            if kind == Article.Kind.INTERVIEW:
                interviewee = (
                    f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
                    f"a {rng.choice(ROLES)} in {place}",
                )
                for position in range(rng.randint(3, 12)):
                    answer = "\n\n".join(english.paragraphs(rng.randint(1, 3)))
                    exchange = Exchange(
                        position=position,
                        question=english.paragraph((1, 2)).rstrip(".") + "?",
                        answer=_insert(rng, answer),
                    )
                    if translated:
                        exchange.question_original = arabic.paragraph((1, 1)).rstrip(".") + "؟"
                        exchange.answer_original = "\n\n".join(arabic.paragraphs(rng.randint(1, 3)))
                    exchanges.append(exchange)
            parts.append((people, roles, story_tags, interviewee, exchanges))

        with transaction.atomic():
            Article.objects.bulk_create(articles)
            bylines, tagged, interviews, all_exchanges = [], [], [], []
            for article, (people, roles, story_tags, interviewee, exchanges) in zip(
                articles, parts, strict=True
            ):
                bylines += [
                    Byline(article_id=article.pk, contributor=person, role=role, position=i)
                    for i, (person, role) in enumerate(zip(people, roles, strict=True))
                ]
                tagged += [
                    TaggedItem(content_type=article_type, object_id=article.pk, tag=tag)
                    for tag in story_tags
                ]
                if interviewee is not None:
                    interviews.append(
                        Interview(
                            article_id=article.pk,
                            interviewee_name=interviewee[0],
                            interviewee_description=interviewee[1],
                        )
                    )
                for exchange in exchanges:
                    exchange.article_id = article.pk
                all_exchanges += exchanges
            Byline.objects.bulk_create(bylines)
            TaggedItem.objects.bulk_create(tagged)
            Interview.objects.bulk_create(interviews)
            Exchange.objects.bulk_create(all_exchanges)
            # Bulk inserts send no signals, so the stored search vectors are filled here, in one
            # UPDATE per batch, once the bylines and exchanges they are made of exist.
            refresh_search_vectors([article.pk for article in articles])
        totals["bylines"] += len(bylines)
        totals["tagged_items"] += len(tagged)
        totals["interviews"] += len(interviews)
        totals["exchanges"] += len(all_exchanges)
        show(n)

    # Every seeded story is in the search index (refreshed batch by batch above); on SQLite its
    # pieces are merged now, as a bulk load should leave it.
    optimize_search_index()
    # SQLite: the planner's statistics of the archive as it now is (newsroom/sqlite.py).
    refresh_statistics()
    if connection.vendor == "postgresql":
        # Fresh statistics and visibility map, so the planner sees the archive as a vacuumed
        # production database would (autovacuum gets there too, minutes later). VACUUM cannot
        # run inside a transaction, as in a test; ANALYZE alone can.
        command = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
        with connection.cursor() as cursor:
            for model in (Article, Byline, TaggedItem, Tag, Contributor, Interview, Exchange):
                cursor.execute(f'{command} "{model._meta.db_table}"')
    return SeedResult(
        stories=stories,
        contributors=len(contributors),
        tags=len(tags),
        seconds=time.monotonic() - started,
        **totals,
    )
