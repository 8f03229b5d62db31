"""python manage.py import_story FILE... : story files into draft stories."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from articles.importer import StoryFormatError, import_story_file


class Command(BaseCommand):
    help = (
        "Import story files (plain text, see STORY_FORMAT.md) as draft stories. Each file is "
        "imported on its own: a malformed file is reported with its line and writes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", metavar="FILE")
        parser.add_argument(
            "--by", metavar="USERNAME", help="Record this account as the stories' creator."
        )

    def handle(self, *args, files, by=None, **options):
        user = None
        if by:
            try:
                user = get_user_model().objects.get(username=by)
            except get_user_model().DoesNotExist:
                raise CommandError(f"No account with the username “{by}”.") from None
        counts = {"created": 0, "updated": 0, "skipped": 0, "refused": 0}
        for path in files:
            try:
                result = import_story_file(path, by=user)
            except StoryFormatError as error:
                counts["refused"] += 1
                self.stderr.write(f"refused: {error}")
                continue
            counts[result.action] += 1
            self.stdout.write(f"{result.action}: {path} → /articles/{result.article.slug}/")
            if result.action == "skipped":
                self.stdout.write(f"  {result.message}")
        summary = ", ".join(f"{n} {action}" for action, n in counts.items() if n)
        self.stdout.write(f"{len(files)} file(s): {summary}.")
        if counts["refused"]:
            raise CommandError(f"{counts['refused']} of {len(files)} file(s) refused.")
