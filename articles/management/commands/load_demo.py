"""python manage.py load_demo : demo accounts and stories for a first look at the newsroom."""

import secrets
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

from articles import changes, workflow
from articles.importer import import_story_file
from articles.models import Article, Byline, Contributor, Section
from articles.roles import EDITOR, REPORTER, TRANSLATOR
from articles.site_address import follows_requests, site_url

DEMO_DIR = Path(__file__).resolve().parents[2] / "demo"
SAMPLE = DEMO_DIR / "rebels-is-truce-south-damascus.txt"
RAQQA = DEMO_DIR / "raqqa-school-reopens.txt"

DEMO_RECOVERY_DEVICE = "Demo recovery code"
# The demo's stories happened lately, whatever their files say: a first look at a newsroom
# should not open on stories from years ago.
SAMPLE_AGE = timedelta(days=1, hours=3)

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
        # The set-up's own moves would email the demo accounts, and the console backend would
        # print those emails above the passwords: nobody needs to hear about the demo's making.
        with (
            override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"),
            transaction.atomic(),
        ):
            passwords = self.create_accounts(password)
            editor = get_user_model().objects.get(username="editor")
            reporter = get_user_model().objects.get(username="reporter")
            sample = self.publish_sample(editor)
            raqqa = self.raqqa_for_review(reporter, editor)
            # Only while developing: a recovery code is as good as the editor's second factor.
            recovery_code = self.recovery_code_for(editor) if settings.DEBUG else None
        site = site_url()
        follows = follows_requests()
        out = self.stdout.write
        out(self.style.SUCCESS("Demo content is ready."))
        out(f"  Published: {site}{sample.get_absolute_url()}")
        out(f"  In translation review: “{raqqa.headline}”")
        out("")
        out(f"The desk is at {site}/admin/")
        if follows:
            out(
                "  (on whichever address and port runserver says it is listening: links the "
                "site makes follow it, since SITE_URL is not set)"
            )
        out("")
        out("Signing in as the editor asks for a second factor as well as the password:")
        if recovery_code:
            out(f"  the first time, type this one-time recovery code: {recovery_code}")
            out(
                "  then set up an authenticator app (any TOTP app: FreeOTP, Aegis, Google "
                "Authenticator, 1Password) with “Change authenticator app” at the top of the desk."
            )
        else:
            out(
                "  the desk shows a QR code to scan with an authenticator app (any TOTP app), "
                "then asks for the code it shows."
            )
        out("The reporter and the translator sign in with their password alone.")
        out("")
        out(self.style.SUCCESS("Demo accounts (new passwords each run):"))
        for username, role in ACCOUNTS:
            out(
                self.style.SUCCESS(
                    f"  {role.lower():<10}  username: {username:<10}  "
                    f"password: {passwords[username]}"
                )
            )

    def recovery_code_for(self, editor) -> str:
        """A single-use code that passes the editor's second factor once (DEBUG only)."""
        StaticDevice.objects.filter(user=editor, name=DEMO_RECOVERY_DEVICE).delete()
        device = StaticDevice.objects.create(user=editor, name=DEMO_RECOVERY_DEVICE, confirmed=True)
        token = StaticToken.random_token()
        device.token_set.create(token=token)
        return token

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
                fields={
                    "section": changes.NewSection(str(credits["section"])),
                    "published_at": timezone.now() - SAMPLE_AGE,
                },
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
