"""Every write path x every person x every state: the expected answer, and a refusal that changes
nothing and gives nothing away.

The paths are the ones a person can reach: the story form (its fields, its credits, its tags, its
publication time, a correction), a correction's original-language text, paste copy and
import_story naming the story's address, restoring a revision, deleting, each workflow button and
the bulk publish, the translation review's confirm, and the tag admin's rename, merge and delete.
The people: the reporter who owns the story, another reporter, a translator, an editor, a member
of staff with no role, and nobody signed in. The states: all seven. Every story here is
translated, so that the translator's paths mean something.

For each case the rows of every story table are compared before and after: a change where the
table below expects one, none anywhere else. Where the person may not open the story, the answer
must be the one they get for a story that does not exist, with nothing of the story in it.
"""

from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from taggit.models import Tag

from articles import changes, permissions, revisions, translation
from articles.models import Article, Contributor
from articles.roles import EDITOR, REPORTER, TRANSLATOR
from tests.conftest import login_as
from tests.factories import ArticleFactory, ContributorFactory, UserFactory
from tests.helpers import full_story_form

pytestmark = pytest.mark.django_db
Status = Article.Status

STATES = tuple(Status.values)
PEOPLE = ("owner", "other reporter", "translator", "editor", "no role", "anonymous")
ALL = frozenset(STATES)
NONE: frozenset[str] = frozenset()
HEADLINE = "A school reopens in Raqqa"
GHOST = 999_999  # the id of a story that does not exist
SPARE = "A contributor to credit"


def headline_in(state: str) -> str:
    return f"{HEADLINE}, {state}"


def only(*states: str) -> frozenset[str]:
    return frozenset(states)


# Where each path changes the story, for each person. Anything not listed changes nothing.
EXPECTED: dict[str, dict[str, frozenset[str]]] = {
    "form: headline": {
        "owner": only(Status.DRAFT),
        "translator": only(Status.TRANSLATION_REVIEW),
        "editor": ALL,
    },
    "form: tags": {"owner": only(Status.DRAFT), "editor": ALL},
    # A time in the past, so that it is a valid one in every state; the desk's alone.
    "form: publication time": {"editor": ALL},
    "form: credits": {"owner": only(Status.DRAFT), "editor": ALL},
    "form: correction": {"editor": only(Status.PUBLISHED, Status.WITHDRAWN)},
    # A correction's original-language text: translators wherever they see the story.
    "correction original": {"translator": ALL - {Status.DRAFT}, "editor": ALL},
    "paste copy": {"owner": only(Status.DRAFT), "editor": only(Status.DRAFT)},
    "import_story": {"owner": only(Status.DRAFT), "editor": only(Status.DRAFT)},
    "restore": {"editor": ALL},
    "delete": {"editor": ALL},
    "move: submit": {"owner": only(Status.DRAFT), "editor": only(Status.DRAFT)},
    "move: return_to_reporter": {"editor": only(Status.EDITING)},
    "move: send_to_translation_review": {"editor": only(Status.EDITING)},
    "move: pass_translation": {
        "translator": only(Status.TRANSLATION_REVIEW),
        "editor": only(Status.TRANSLATION_REVIEW),
    },
    "move: return_translation": {
        "translator": only(Status.TRANSLATION_REVIEW),
        "editor": only(Status.TRANSLATION_REVIEW),
    },
    # Translated stories go through translation review instead: nobody approves them directly.
    "move: approve": {},
    "move: schedule": {"editor": only(Status.APPROVED)},
    "move: publish": {"editor": only(Status.APPROVED, Status.SCHEDULED)},
    "move: withdraw": {"editor": only(Status.PUBLISHED)},
    "move: back_to_draft": {"editor": only(Status.WITHDRAWN)},
    "bulk publish": {"editor": only(Status.APPROVED, Status.SCHEDULED)},
    "confirm translation": {
        "translator": only(Status.APPROVED, Status.SCHEDULED, Status.PUBLISHED),
        "editor": only(Status.APPROVED, Status.SCHEDULED, Status.PUBLISHED),
    },
    "tag rename": {"editor": ALL},
    "tag merge": {"editor": ALL},
    "tag delete": {"editor": ALL},
}


def story_in(state: str, owner, editor) -> Article:
    """A translated story of the owner's in `state`: reviewed, tagged, credited, two revisions."""
    now = timezone.now()
    published_at = {
        Status.SCHEDULED: now + timedelta(days=1),
        Status.PUBLISHED: now - timedelta(days=1),
        Status.WITHDRAWN: now - timedelta(days=1),
    }.get(state)
    article = ArticleFactory(
        headline=headline_in(state),
        status=state,
        published_at=published_at,
        withdrawn_reason="Withdrawn for a reason." if state == Status.WITHDRAWN else "",
        created_by=owner,
        original_language="ar",
        source_headline="مدرسة تعيد فتح أبوابها في الرقة",
        source_body="فقرة أولى.\n\nفقرة ثانية.",
        tags=["raqqa"],
        byline_count=1,
    )
    Tag.objects.get_or_create(name="idlib")
    if not Contributor.objects.filter(name=SPARE).exists():
        ContributorFactory(name=SPARE)
    with changes.door():
        translation.record_review(article, by=editor)
        # A second revision, so that there is an earlier one to restore.
        article.dek = "A standfirst rewritten."
        article.save()
    article.refresh_from_db()
    return article


def snapshot() -> dict:
    """Every row of every table the door writes, by table."""
    rows = {}
    for model in changes.GUARDED_MODELS:
        rows[model._meta.db_table] = sorted(map(repr, model._base_manager.values()))
        history = getattr(model, "history", None)
        if history is not None:
            rows[history.model._meta.db_table] = history.count()
    return rows


class Case:
    """One person acting on one story: a client signed in as them, or as nobody."""

    def __init__(self, person: str, user, client: Client, article: Article, tmp_path):
        self.person, self.user, self.client, self.article = person, user, client, article
        self.tmp_path = tmp_path
        self.may_open = user.is_authenticated and permissions.can_view_article(user, article)

    def story_url(self, name: str, *args, pk: int | None = None) -> str:
        return reverse(f"admin:articles_article_{name}", args=[pk or self.article.pk, *args])


def story_form(case: Case, **overrides) -> dict[str, str]:
    """The story form as the person would send it: as the story stands if they may open it,
    else made up, as they could not have read the story's words."""
    data = full_story_form(case.article)
    if not case.may_open:
        data.update(
            headline="Taken over", dek="", body="<p>Mine.</p>", source_headline="", source_body=""
        )
    data.update(overrides)
    return data


def post_form(case: Case, pk: int | None = None, **overrides):
    return case.client.post(case.story_url("change", pk=pk), story_form(case, **overrides))


def edit_headline(case, pk=None):
    return post_form(case, pk, headline="Taken over")


def edit_tags(case, pk=None):
    return post_form(case, pk, tags="raqqa, secret-retag")


def edit_time(case, pk=None):
    past = timezone.localtime(timezone.now() - timedelta(days=3))
    return post_form(case, pk, published_at_0=past.strftime("%Y-%m-%d"), published_at_1="09:00:00")


def edit_credits(case, pk=None):
    data = story_form(case)
    total = int(data["bylines-TOTAL_FORMS"])
    data["bylines-TOTAL_FORMS"] = str(total + 1)
    data[f"bylines-{total}-contributor"] = str(Contributor.objects.get(name=SPARE).pk)
    data[f"bylines-{total}-role"] = "author"
    data[f"bylines-{total}-position"] = str(total)
    return case.client.post(case.story_url("change", pk=pk), data)


def add_correction(case, pk=None):
    data = story_form(case)
    data["corrections-TOTAL_FORMS"] = "1"
    data["corrections-0-text"] = "An earlier version misnamed the school."
    return case.client.post(case.story_url("change", pk=pk), data)


def make_a_correction(case):
    """A correction to write the original-language text of (a story keeps its corrections
    through every later move, so there can be one in any state)."""
    from articles.models import Correction

    with changes.door():
        case.correction = Correction.objects.create(
            article=case.article, text="An earlier version misnamed the school."
        )


def correction_original(case, pk=None):
    url = case.story_url("correction_original", case.correction.pk, pk=pk)
    return case.client.post(url, {"source_text": "ذكرت نسخة سابقة اسم المدرسة بشكل خاطئ."})


def paste(case, pk=None):
    slug = case.article.slug if pk is None else "no-story-has-this-address"
    text = f"Headline: Taken over\nSlug: {slug}\nByline: Intruder\n\nMy text.\n"
    return case.client.post(reverse("admin:articles_article_paste"), {"text": text})


def import_command(case, pk=None):
    """import_story as the person; the answer is its output, and a refusal its error."""
    path = case.tmp_path / "story.txt"
    slug = case.article.slug if pk is None else "no-story-has-this-address"
    path.write_text(f"Headline: Taken over\nSlug: {slug}\nByline: Intruder\n\nMy text.\n")
    out, err = StringIO(), StringIO()
    username = case.user.get_username() if case.user.is_authenticated else "nobody-at-all"
    try:
        call_command("import_story", str(path), by=username, stdout=out, stderr=err)
    except CommandError as error:
        err.write(str(error))
    return Answer(200, out.getvalue() + err.getvalue())


def restore(case, pk=None):
    history = revisions.revisions(case.article)[-1].history_id
    return case.client.post(case.story_url("restore", history, pk=pk))


def delete(case, pk=None):
    return case.client.post(case.story_url("delete", pk=pk), {"post": "yes"})


def move(name):
    def make_move(case, pk=None):
        data = {"comment": "A reason.", "next": "//evil.example/"}
        if name == "schedule":
            soon = timezone.localtime(timezone.now() + timedelta(days=2))
            data["publish_at"] = soon.strftime("%Y-%m-%dT%H:%M")
        return case.client.post(case.story_url("transition", name, pk=pk), data)

    return make_move


def bulk_publish(case, pk=None):
    return case.client.post(
        reverse("admin:articles_article_changelist"),
        {"action": "publish_selected", "_selected_action": [str(pk or case.article.pk)]},
    )


def change_the_original(case):
    """The original changed since review: there is something to confirm."""
    with changes.door():
        Article.objects.filter(pk=case.article.pk).update(source_headline="عنوان جديد")
        translation.refresh_staleness(Article.objects.get(pk=case.article.pk))


def confirm_translation(case, pk=None):
    return case.client.post(case.story_url("translation", pk=pk))


def tag_rename(case, pk=None):
    tag = Tag.objects.get(name="raqqa")
    return case.client.post(
        reverse("admin:taggit_tag_change", args=[tag.pk]), {"name": "Raqqa city"}
    )


def tag_merge(case, pk=None):
    tags = Tag.objects.filter(name__in=["raqqa", "idlib"])
    return case.client.post(
        reverse("admin:taggit_tag_changelist"),
        {
            "action": "merge_selected",
            "_selected_action": [str(t.pk) for t in tags],
            "into": "north",
        },
    )


def tag_delete(case, pk=None):
    tag = Tag.objects.get(name="raqqa")
    return case.client.post(reverse("admin:taggit_tag_delete", args=[tag.pk]), {"post": "yes"})


MOVES = (
    "submit",
    "return_to_reporter",
    "send_to_translation_review",
    "pass_translation",
    "return_translation",
    "approve",
    "schedule",
    "publish",
    "withdraw",
    "back_to_draft",
)
PATHS = {
    "form: headline": edit_headline,
    "form: tags": edit_tags,
    "form: publication time": edit_time,
    "form: credits": edit_credits,
    "form: correction": add_correction,
    "correction original": correction_original,
    "paste copy": paste,
    "import_story": import_command,
    "restore": restore,
    "delete": delete,
    **{f"move: {name}": move(name) for name in MOVES},
    "bulk publish": bulk_publish,
    "confirm translation": confirm_translation,
    "tag rename": tag_rename,
    "tag merge": tag_merge,
    "tag delete": tag_delete,
}
# What a path needs done first, before the rows are compared.
PREPARE = {"confirm translation": change_the_original, "correction original": make_a_correction}
# Paths about a story that have an answer for a story that does not exist, to compare with.
BY_STORY_ID = {
    name
    for name in PATHS
    if name.startswith(("form", "move", "restore", "delete", "confirm", "bulk", "correction"))
}


class Answer:
    def __init__(self, status_code: int, text: str):
        self.status_code, self.text = status_code, text


def answer(response) -> Answer:
    if isinstance(response, Answer):
        return response
    from django.contrib.messages import get_messages

    text = response.content.decode(errors="replace")
    text += " ".join(str(m) for m in get_messages(response.wsgi_request))
    location = response.get("Location", "")
    return Answer(response.status_code, f"{location} {text}")


@pytest.fixture
def people(db):
    owner = UserFactory(username="owner", role=REPORTER)
    return {
        "owner": owner,
        "other reporter": UserFactory(username="other", role=REPORTER),
        "translator": UserFactory(username="translator", role=TRANSLATOR),
        "editor": UserFactory(username="editor", role=EDITOR),
        "no role": UserFactory(username="norole"),
        "anonymous": AnonymousUser(),
    }


@pytest.mark.parametrize("person", PEOPLE)
@pytest.mark.parametrize("path", list(PATHS))
def test_every_write_path_answers_each_person_in_each_state_as_designed(
    path, person, people, tmp_path
):
    user = people[person]
    client = Client()
    if user.is_authenticated:
        login_as(client, user)
    stories = {state: story_in(state, people["owner"], people["editor"]) for state in STATES}
    wrong, ghost = [], None
    for state, article in stories.items():
        case = Case(person, user, client, article, tmp_path)
        if path in PREPARE:
            PREPARE[path](case)
        before = snapshot()
        got = answer(PATHS[path](case))
        changed = snapshot() != before
        expected = state in EXPECTED[path].get(person, NONE)
        if got.status_code >= 500:
            wrong.append(f"{state}: answered {got.status_code}")
        if changed != expected:
            wrong.append(f"{state}: {'changed' if changed else 'unchanged'}, expected otherwise")
        if not case.may_open and not path.startswith("tag "):
            # Nothing of a story the person may not open: not its headline, not its state.
            if headline_in(state) in got.text:
                wrong.append(f"{state}: the answer names the story")
            if path in BY_STORY_ID and not changed:
                ghost = ghost or answer(PATHS[path](case, pk=GHOST))
                if ghost.status_code != got.status_code:
                    wrong.append(
                        f"{state}: {got.status_code} where a story that does not exist gets "
                        f"{ghost.status_code}"
                    )
        if changed:
            # What one case changed (a tag renamed, a story deleted) must not reach the next.
            with changes.door():
                Article.objects.all().delete()
                Tag.objects.all().delete()
            stories_left = [s for s in STATES if STATES.index(s) > STATES.index(state)]
            for later in stories_left:
                stories[later] = story_in(later, people["owner"], people["editor"])
    assert not wrong, f"{path} by {person}:\n" + "\n".join(wrong)
