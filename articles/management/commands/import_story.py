"""python manage.py import_story FILE... : story files into draft stories."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from articles.changes import ChangeRefused
from articles.importer import StoryFormatError, import_story_file


class Command(BaseCommand):
    help = (
        "Import story files (plain text, in the format docs/story-format.md describes) as draft "
        "stories of the account named by --by, with that account's rights. Each file is "
        "imported on its own: a malformed or refused file is reported and writes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", metavar="FILE")
        parser.add_argument(
            "--by",
            metavar="USERNAME",
            required=True,
            help="The account the stories are imported for: it is recorded as their creator, "
            "and what it may not do (a reporter setting the publication time, or changing "
            "another's story) is refused.",
        )

    def handle(self, *args, files, by, **options):
        try:
            user = get_user_model().objects.get(username=by, is_active=True)
        except get_user_model().DoesNotExist:
            raise CommandError(f"No active account with the username “{by}”.") from None
        counts = {"created": 0, "updated": 0, "skipped": 0, "refused": 0}
        for path in files:
            try:
                result = import_story_file(path, by=user)
            except StoryFormatError as error:
                counts["refused"] += 1
                self.stderr.write(f"refused: {error}")
                continue
            except ChangeRefused as refusal:
                counts["refused"] += 1
                self.stderr.write(f"refused: {path}: {refusal}")
                continue
            counts[result.action] += 1
            self.stdout.write(f"{result.action}: {path} → /articles/{result.article.slug}/")
            if result.action == "skipped":
                self.stdout.write(f"  {result.message}")
        summary = ", ".join(f"{n} {action}" for action, n in counts.items() if n)
        self.stdout.write(f"{len(files)} file(s): {summary}.")
        if counts["refused"]:
            raise CommandError(f"{counts['refused']} of {len(files)} file(s) refused.")
