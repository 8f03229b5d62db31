"""manage.py seed_archive --stories N [--seed S]: an archive of published stories in bulk."""

from datetime import date

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from articles.seeding import BATCH_SIZE, seed_archive


class Command(BaseCommand):
    help = (
        "Fill the database with N realistic published stories (news, analysis, features, opinion "
        "and interviews with exchanges; Arabic source text on a third; ten years of dates), for "
        "benchmarks. Bypasses the editorial workflow: never run it on a real newsroom's database."
    )

    def add_arguments(self, parser):
        parser.add_argument("--stories", type=int, required=True, help="How many stories to add.")
        parser.add_argument(
            "--seed", type=int, default=0, help="Random seed: the same seed makes the same stories."
        )
        parser.add_argument(
            "--until",
            type=date.fromisoformat,
            default=None,
            help="Last day of the ten-year archive, YYYY-MM-DD (default: today, UTC).",
        )
        parser.add_argument("--batch-size", type=int, default=BATCH_SIZE)
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")
        parser.add_argument(
            "--force", action="store_true", help="Run even with DEBUG off (never in production)."
        )

    def handle(self, *args, stories, seed, until, batch_size, no_progress, force, **options):
        # The stories go live at once with no workflow history: on a real newsroom's database
        # that is invented stories on the public site, some under existing contributors' names.
        if not settings.DEBUG and not force:
            raise CommandError(
                "seed_archive publishes invented stories without the editorial workflow, so it "
                "runs only with DEBUG on; on a benchmark or scratch database with DEBUG off, "
                "add --force."
            )
        if stories < 1:
            raise CommandError("--stories must be at least 1.")
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        try:
            result = seed_archive(
                stories=stories,
                seed=seed,
                until=until,
                batch_size=batch_size,
                progress=None if no_progress else self.stderr._out,
            )
        except ValueError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Seeded {result.stories:,} stories ({result.interviews:,} interviews, "
            f"{result.exchanges:,} exchanges, {result.bylines:,} bylines, "
            f"{result.tagged_items:,} tag links; pools of {result.contributors:,} contributors "
            f"and {result.tags:,} tags) in {result.seconds:.1f} s."
        )
