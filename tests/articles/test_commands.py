"""Management commands: import_story and load_demo, run as an operator would."""

import os
import subprocess
import sys
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.utils import timezone

from articles.models import Article, StatusChange
from tests.factories import SectionFactory

DEMO = Path(__file__).resolve().parents[2] / "articles" / "demo"


def run(*args, **options) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


@pytest.mark.django_db
def test_import_story_imports_each_file_and_reports_a_summary(editor):
    out, _ = run("import_story", str(DEMO / "rebels-is-truce-south-damascus.txt"), by="editor")
    assert "created:" in out
    assert "/articles/rebels-is-agree-to-truce-in-south-damascus/" in out
    assert "1 file(s): 1 created." in out
    out, _ = run("import_story", str(DEMO / "rebels-is-truce-south-damascus.txt"), by="editor")
    assert "1 updated" in out
    assert Article.objects.count() == 1


@pytest.mark.django_db
def test_one_bad_file_in_a_batch_is_refused_and_the_others_import(tmp_path, editor):
    bad = tmp_path / "bad.txt"
    bad.write_text("Headline: X\nColour: red\n\nBody.\n", encoding="utf-8")
    with pytest.raises(CommandError, match="1 of 2 file"):
        run("import_story", str(bad), str(DEMO / "raqqa-school-reopens.txt"), by="editor")
    assert list(Article.objects.values_list("headline", flat=True)) == [
        "Teachers reopen a school in Raqqa's old city"
    ]


@pytest.mark.django_db
def test_a_file_with_a_nul_is_refused_naming_its_line_not_with_a_traceback(tmp_path, editor):
    """PostgreSQL refuses a NUL in any text; the command stopped with a DataError."""
    bad = tmp_path / "nul.txt"
    bad.write_bytes(b"Headline: X\nDek: Y\nSection: Syr\x00ia\n\nBody.\n")
    err = StringIO()
    with pytest.raises(CommandError, match="1 of 1 file"):
        call_command("import_story", str(bad), by="editor", stdout=StringIO(), stderr=err)
    assert f"refused: {bad}, line 3: contains a NUL character" in err.getvalue()
    assert not Article.objects.exists()


@pytest.mark.django_db
def test_import_story_records_the_creator_and_refuses_an_unknown_one(reporter):
    SectionFactory(name="Raqqa")  # a reporter's copy may name a section, not add one
    run("import_story", str(DEMO / "raqqa-school-reopens.txt"), by="reporter")
    assert Article.objects.get().created_by == reporter
    with pytest.raises(CommandError, match="No active account"):
        run("import_story", str(DEMO / "raqqa-school-reopens.txt"), by="nobody")


@pytest.mark.django_db
def test_load_demo_publishes_the_sample_credited_and_prints_the_logins(settings):
    settings.DEBUG = True
    out, _ = run("load_demo", password="demo-pass-123")
    sample = Article.objects.get(slug="rebels-is-agree-to-truce-in-south-damascus")
    assert sample.status == Article.Status.PUBLISHED
    # Dated lately, whatever its file says: a first look should not open on 2015.
    assert timezone.now() - timedelta(days=3) < sample.published_at < timezone.now()
    assert [(b.contributor.name, b.role) for b in sample.bylines.all()] == [
        ("Moutasem Jamal", "interviewer")
    ]
    assert sample.interview.interviewee_name == "Ammar al-Maydani"
    assert sample.interview.interviewee_description == "a south Damascus media activist"
    assert sample.section.name == "Syria"
    assert sample.tags.count() == 3
    assert list(
        StatusChange.objects.filter(article=sample).values_list("to_status", flat=True)
    ) == ["editing", "approved", "published"]
    raqqa = Article.objects.get(slug="teachers-reopen-a-school-in-raqqas-old-city")
    assert raqqa.status == Article.Status.TRANSLATION_REVIEW
    for username in ("editor", "reporter", "translator"):
        assert f"username: {username}" in out
        assert get_user_model().objects.get(username=username).check_password("demo-pass-123")
    assert "/admin/" in out


@pytest.mark.django_db
def test_load_demo_twice_changes_nothing_but_the_passwords(settings):
    settings.DEBUG = True
    run("load_demo")
    run("load_demo")
    assert Article.objects.count() == 2
    assert StatusChange.objects.count() == 5


@pytest.mark.django_db
def test_load_demo_refuses_to_run_in_production(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        run("load_demo")


def test_page_cache_invalidation_is_connected_in_a_process_that_never_loads_the_urls():
    """Management commands (import_story, publish_scheduled) must invalidate the page cache too."""
    probe = (
        "import django; django.setup(); "
        "from articles.changes import story_changed; "
        "print(any(key[0] == 'public.caching.on_story_changed' "
        "for key, *_ in story_changed.receivers))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "newsroom.settings"},
        cwd=DEMO.parents[1],
    )
    assert result.stdout.strip().splitlines()[-1] == "True", result.stderr
