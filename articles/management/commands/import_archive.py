"""python manage.py import_archive PATH : restore an export_archive file into an empty database."""

from django.core.management.base import BaseCommand, CommandError

from articles.backups import ArchiveError, import_archive


class Command(BaseCommand):
    help = (
        "Restore an archive made by export_archive into a freshly migrated database: every table "
        "it writes, accounts included, must be empty, so run it before createsuperuser. Refuses "
        "a malformed or oversized archive with one line, leaving no rows and no files behind."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", metavar="PATH")

    def handle(self, *args, path, **options):
        try:
            summary = import_archive(path)
        except ArchiveError as error:
            raise CommandError(str(error)) from None
        rows = sum(summary.counts.values())
        self.stdout.write(f"Restored {summary.path}: {rows} rows, {summary.files} media file(s).")
        if summary.demoted:
            self.stdout.write(
                "Restored without superuser status or permissions over accounts (an archive from "
                f"an older release carried them): {', '.join(summary.demoted)}."
            )
