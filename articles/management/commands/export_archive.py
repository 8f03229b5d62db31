"""python manage.py export_archive PATH : everything the newsroom wrote, in one portable file."""

from django.core.management.base import BaseCommand, CommandError

from articles.backups import ArchiveError, export_archive


class Command(BaseCommand):
    help = (
        "Write a portable archive (zip) of stories, bylines, exchanges, source texts, revisions, "
        "workflow history, corrections, tags, accounts and images. Restore with import_archive."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", metavar="PATH")

    def handle(self, *args, path, **options):
        try:
            summary = export_archive(path)
        except (ArchiveError, OSError) as error:
            raise CommandError(str(error)) from None
        rows = sum(summary.counts.values())
        self.stdout.write(f"Wrote {summary.path}: {rows} rows, {summary.files} media file(s).")
        for label, count in summary.counts.items():
            if count:
                self.stdout.write(f"  {label}: {count}")
        if summary.demoted:
            # import_archive never makes a superuser; the operator makes their own after it.
            self.stdout.write(
                "Written without superuser status or permissions over accounts, which a restore "
                f"never grants: {', '.join(summary.demoted)}."
            )
