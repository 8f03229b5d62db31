"""python manage.py load_demo : demo accounts and stories for a first look at the newsroom."""

import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from articles import changes, workflow
from articles.importer import import_story_file
from articles.models import Article, Byline, Contributor, Section
from articles.roles import EDITOR, REPORTER, TRANSLATOR
from articles.site_address import site_url

DEMO_DIR = Path(__file__).resolve().parents[2] / "demo"
SAMPLE = DEMO_DIR / "rebels-is-truce-south-damascus.txt"
RAQQA = DEMO_DIR / "raqqa-school-reopens.txt"

ACCOUNTS = [("editor", EDITOR), ("reporter", REPORTER), ("translator", TRANSLATOR)]

# The sample was copied from a web page, so it carries no header: these credits are what its text
# says ("Ammar al-Maydani, a south Damascus media activist tells Moutasem Jamal").
SAMPLE_CREDITS = {
    "section": "Syria",
    "tags": ["Damascus", "Islamic State", "truce"],
    "interviewer": ("Moutasem Jamal", "Reporter in Damascus"),
    "interviewee": ("Ammar al-Maydani", "a south Damascus media activist"),
}


class Command(BaseCommand):
    help = (
        "Create demo accounts (editor, reporter, translator) and import the demo stories: the "
        "sample interview published, the Raqqa interview waiting for translation review."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--password",
            help="Give every demo account this password (default: a new random one each run).",
        )
        parser.add_argument(
            "--force", action="store_true", help="Run even with DEBUG off (never in production)."
        )

    def handle(self, *args, password=None, force=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "load_demo makes accounts with printed passwords; it runs only with DEBUG on."
            )
        with transaction.atomic():
            passwords = self.create_accounts(password)
            editor = get_user_model().objects.get(username="editor")
            reporter = get_user_model().objects.get(username="reporter")
            sample = self.publish_sample(editor)
            raqqa = self.raqqa_for_review(reporter, editor)
        self.stdout.write(self.style.SUCCESS("Demo content is ready."))
        self.stdout.write(f"  Published: {site_url()}{sample.get_absolute_url()}")
        self.stdout.write(f"  In translation review: “{raqqa.headline}”")
        self.stdout.write(
            f"Log in at {site_url()}/admin/ as (editors set up an authenticator app "
            "for two-factor sign-in the first time):"
        )
        for username, role in ACCOUNTS:
            password = passwords[username]
            self.stdout.write(f"  {role.lower():<10}  username {username:<10}  password {password}")

    def create_accounts(self, password: str | None) -> dict[str, str]:
        passwords = {}
        for username, role in ACCOUNTS:
            user, _ = get_user_model().objects.get_or_create(
                username=username, defaults={"email": f"{username}@newsroom.localhost"}
            )
            user.is_staff = True
            passwords[username] = password or secrets.token_urlsafe(9)
            user.set_password(passwords[username])
            user.save()
            user.groups.set([Group.objects.get(name=role)])
        return passwords

    def publish_sample(self, editor) -> Article:
        result = import_story_file(SAMPLE, by=editor)
        article = result.article
        if result.action == "skipped":
            return article
        credits = SAMPLE_CREDITS
        name, affiliation = credits["interviewer"]
        interviewer = Contributor.objects.filter(name=name).first()
        if interviewer is None:
            interviewer = changes.save_library_item(
                Contributor(name=name, affiliation=affiliation), by=editor
            )
        name, description = credits["interviewee"]
        article, _ = changes.edit_story(
            article,
            changes.StoryChanges(
                fields={"section": changes.NewSection(credits["section"])},
                tags=list(credits["tags"]),
                bylines=[
                    changes.BylineRow(role=Byline.Role.INTERVIEWER, contributor_id=interviewer.pk)
                ],
                interviewee=changes.Interviewee(name, description),
            ),
            by=editor,
        )
        for step in ("submit", "approve", "publish"):
            workflow.transition(article, step, by=editor, comment="Demo set-up")
        return article

    def raqqa_for_review(self, reporter, editor) -> Article:
        # Sections are the desk's: the editor adds the one the reporter's copy names.
        if not Section.objects.filter(name="Raqqa").exists():
            changes.save_library_item(Section(name="Raqqa"), by=editor)
        result = import_story_file(RAQQA, by=reporter)
        article = result.article
        if result.action != "skipped":
            workflow.transition(article, "submit", by=reporter, comment="Demo set-up")
            workflow.transition(article, "send_to_translation_review", by=editor)
        return article
