"""Fixtures of the backup tests."""

import pytest

from articles import changes, workflow
from articles.importer import import_story_file
from articles.models import Correction, Notice
from tests.articles.test_importer import RAQQA, SAMPLE
from tests.factories import ArticleFactory, BylineFactory, ImageFactory, SectionFactory


@pytest.fixture
def newsroom(editor, reporter):
    sample = import_story_file(SAMPLE, by=editor).article
    # Ready to go live (articles/checklist.py): the file names neither a section nor a credit.
    changes.edit_story(
        sample,
        changes.StoryChanges(
            fields={"section": SectionFactory(name="Syria")},
            bylines=[changes.BylineRow(role="interviewer", name="Moutasem Jamal")],
        ),
        by=editor,
    )
    for step in ("submit", "approve", "publish"):
        workflow.transition(sample, step, by=editor)
    Correction.objects.create(article=sample, text="An earlier version misdated the truce.")
    SectionFactory(name="Raqqa")  # the desk's: a reporter's copy may only name it
    raqqa = import_story_file(RAQQA, by=reporter).article
    workflow.transition(raqqa, "submit", by=reporter)
    image = ImageFactory(alt_text="مدرسة في الرقة")
    ArticleFactory(lead_image=image, tags=["Raqqa", "تعليم"], byline_count=2)
    BylineFactory(article=raqqa, position=5)
    # A reporter's notice, which travels with the archive like the rest of the desk.
    Notice.objects.create(user=reporter, article=raqqa, kind="returned", text="Returned to you.")
    return raqqa
