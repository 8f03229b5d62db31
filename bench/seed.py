"""python bench/seed.py --stories N [--seed S] [--until YYYY-MM-DD]: a benchmark archive, in bulk.

Fills the database that DATABASE_URL names with N realistic published stories (news, analysis,
features, opinion and interviews with exchanges; Arabic source text on a third; ten years of
dates), through bench/seeding.py. It writes around the editorial workflow and the door on
purpose, for speed, so it lives here and not in the newsroom's apps: never run it on a real
newsroom's database. It refuses to run with DEBUG off unless given --force.
"""

import argparse
import os
import sys
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    """Seed as the command line says; Django must be set up (the script does it)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stories", type=int, required=True, help="How many stories to add.")
    parser.add_argument("--seed", type=int, default=0, help="The same seed makes the same stories.")
    parser.add_argument(
        "--until",
        type=date.fromisoformat,
        default=None,
        help="Last day of the ten-year archive, YYYY-MM-DD (default: today, UTC).",
    )
    parser.add_argument("--batch-size", type=int, default=None)
    parser.add_argument("--no-progress", action="store_true", help="No progress bar.")
    parser.add_argument("--force", action="store_true", help="Run even with DEBUG off.")
    options = parser.parse_args(argv)
    from django.conf import settings

    from bench.seeding import BATCH_SIZE, seed_archive

    if not settings.DEBUG and not options.force:
        parser.error(
            "this publishes invented stories without the editorial workflow, so it runs only "
            "with DEBUG on; on a benchmark or scratch database with DEBUG off, add --force"
        )
    if options.stories < 1:
        parser.error("--stories must be at least 1")
    batch_size = options.batch_size or BATCH_SIZE
    if batch_size < 1:
        parser.error("--batch-size must be at least 1")
    try:
        result = seed_archive(
            stories=options.stories,
            seed=options.seed,
            until=options.until,
            batch_size=batch_size,
            progress=None if options.no_progress else sys.stderr,
        )
    except ValueError as error:
        parser.error(str(error))
    print(
        f"Seeded {result.stories:,} stories ({result.interviews:,} interviews, "
        f"{result.exchanges:,} exchanges, {result.bylines:,} bylines, "
        f"{result.tagged_items:,} tag links; pools of {result.contributors:,} contributors "
        f"and {result.tags:,} tags) in {result.seconds:.1f} s."
    )
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
    import django

    django.setup()
    sys.exit(main())
