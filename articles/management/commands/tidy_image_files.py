"""python manage.py tidy_image_files [--apply] : random names for old uploads, unused files out."""

from datetime import timedelta

from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand
from django.utils import timezone

from articles.image_files import give_random_name, is_random_name, unused_files
from articles.models import Image

# A file younger than this may belong to an upload whose row is not committed yet.
GRACE = timedelta(hours=1)


class Command(BaseCommand):
    help = (
        "Store pictures uploaded under their own file name (which may say who is in them) under "
        "random names, and remove stored pictures and renditions that no image names (left by "
        "deletes before files went with their image). Without --apply, only lists what it would do."
    )

    def add_arguments(self, parser):
        parser.add_argument("--apply", action="store_true", help="Do it, rather than list it.")

    def handle(self, *args, apply: bool, **options):
        images = Image.objects.order_by("pk")
        named = [image for image in images if image.file and not is_random_name(image.file.name)]
        unused = unused_files(settled_before=timezone.now() - GRACE)
        renamed = removed = 0
        for image in named:
            if not apply:
                self.stdout.write(f"Would give image {image.pk}'s file a random name")
                continue
            try:
                self.stdout.write(f"Image {image.pk}'s file is now {give_random_name(image)}")
                renamed += 1
            except Exception as error:  # one unreadable file must not stop the others
                self.stderr.write(f"Image {image.pk}'s file was left as it is: {error!r}")
        for name in unused:
            if apply:
                default_storage.delete(name)
                removed += 1
            self.stdout.write(f"{'Removed' if apply else 'Would remove'} {name}")
        if apply:
            self.stdout.write(f"{renamed} file(s) renamed, {removed} unused file(s) removed.")
        else:
            self.stdout.write(
                f"{len(named)} file(s) to rename, {len(unused)} unused file(s) to remove. "
                "Run again with --apply to do it."
            )
