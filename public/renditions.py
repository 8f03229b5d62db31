"""Image renditions: each picture resized with Pillow to a few widths, in WebP and a fallback,
and cropped to the shapes cards and social images need (articles/focal.py: 16:9, square and
1.91:1), around the focal point the desk marked.

Renditions are made once, stored beside the uploads under renditions/, and their URLs
remembered in the cache. A picture saved through the door has them made by a background task
(make_renditions, enqueued once the file is committed); until that task has run, pages show the
stored picture itself at its own size (the clean copy made at upload, never the uploader's
file), so no reader waits for Pillow. A picture with no task pending (stored before, or the task
lost) has them made the first time a page needs them. Moving the focal point sends the picture
to the task again: its crops are named after the point, so new ones are made.
"""

import functools
import logging
import math
from dataclasses import dataclass
from io import BytesIO

from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django_tasks import task
from PIL import ExifTags, ImageCms, ImageOps
from PIL import Image as PillowImage

from articles.focal import SHAPES, Box, crop_box, crop_prefix
from articles.image_files import WIDTHS, rendition_cache_key, rendition_digest
from articles.images import DECODERS, EXTENSIONS, HIGH_BIT_DEPTH_MODES, eight_bit
from articles.models import Image

logger = logging.getLogger(__name__)

WEBP_QUALITY = 80
JPEG_QUALITY = 82
CACHE_SECONDS = 60 * 60 * 24 * 30
# How long pages wait for a pending task before making the renditions themselves: a worker that
# is down costs readers the full-size picture for this long, never the picture.
PENDING_SECONDS = 15 * 60


@dataclass(frozen=True)
class Rendition:
    url: str
    width: int
    height: int


@dataclass(frozen=True)
class RenditionSet:
    """Every rendition of one image: WebP for browsers that take it, and a JPEG or PNG fallback."""

    webp: tuple[Rendition, ...]
    fallback: tuple[Rendition, ...]
    fallback_type: str

    @staticmethod
    def srcset(renditions: tuple[Rendition, ...]) -> str:
        return ", ".join(f"{r.url} {r.width}w" for r in renditions)

    @property
    def webp_srcset(self) -> str:
        return self.srcset(self.webp)

    @property
    def fallback_srcset(self) -> str:
        return self.srcset(self.fallback)

    def default(self, width: int = 640) -> Rendition:
        """The fallback rendition closest to `width` from above (or the widest), for <img src>."""
        fitting = [r for r in self.fallback if r.width >= width]
        return fitting[0] if fitting else self.fallback[-1]


def target_widths(original_width: int) -> list[int]:
    """The widths to make: each standard width below the original, and the original if smaller."""
    widths = [w for w in WIDTHS if w < original_width]
    if original_width <= WIDTHS[-1]:
        widths.append(original_width)
    return widths or [WIDTHS[-1]]


def pending_key(image_pk: int, file_name: str) -> str:
    """The cache key saying a task is making this file's renditions."""
    return f"renditions:pending:v1:{image_pk}:{rendition_digest(image_pk, file_name)}"


def renditions_for(image: Image | None, shape: str | None = None) -> RenditionSet | None:
    """The renditions of `image`, made now if they do not exist yet; None if it cannot be read.

    With a `shape` (a name in articles.focal.SHAPES), those of its crop to that shape around its
    focal point. While a background task is making them, the stored picture stands in for them.
    """
    if image is None or not image.file:
        return None
    key = rendition_cache_key(image.pk, image.file.name, shape, image.focal_point)
    found = cache.get_many([key, pending := pending_key(image.pk, image.file.name)])
    if isinstance(found.get(key), RenditionSet):
        return found[key]
    if found.get(pending):
        return stored_picture(image)
    return make(image, shape)


def make(image: Image, shape: str | None = None) -> RenditionSet | None:
    """Make (or find) the renditions of `image` (cropped to `shape` if given) and remember them;
    None if it cannot be read."""
    if shape is not None and shape not in SHAPES:
        raise ValueError(f"No shape is called {shape!r}: {', '.join(SHAPES)}.")
    try:
        made = _make(image, rendition_digest(image.pk, image.file.name), shape)
    except Exception:  # a picture that cannot be read costs the page its picture, not a 500
        logger.exception("Cannot make renditions of image %s (%s)", image.pk, image.file.name)
        return None
    key = rendition_cache_key(image.pk, image.file.name, shape, image.focal_point)
    cache.set(key, made, CACHE_SECONDS)
    return made


def stored_picture(image: Image) -> RenditionSet | None:
    """The stored picture as its only rendition, at its own size: what pages show until its
    renditions exist. None if its size is not known."""
    if not image.width or not image.height:
        return None
    extension = image.file.name.rsplit(".", 1)[-1].lower()
    kind = {ext: fmt.lower() for fmt, ext in EXTENSIONS.items()}.get(extension, "jpeg")
    return RenditionSet(
        (), (Rendition(image.file.url, image.width, image.height),), f"image/{kind}"
    )


def on_picture_saved(sender, *, image_pk: int, file_name: str, **kwargs) -> None:
    """A new picture file was committed: pages show it as stored while a task makes its
    renditions."""
    cache.set(pending_key(image_pk, file_name), True, PENDING_SECONDS)
    make_renditions.enqueue(image_pk, file_name)


@task()
def make_renditions(image_pk: int, file_name: str) -> bool:
    """Make the renditions of this picture file and its crops around its focal point (a
    background task); False if the picture was deleted or its file replaced meanwhile, or it
    cannot be read."""
    image = Image.objects.filter(pk=image_pk).first()
    try:
        if image is None or image.file.name != file_name:
            return False
        made = [make(image, shape) for shape in (None, *SHAPES)]  # each, even after a failure
        return all(found is not None for found in made)
    finally:
        cache.delete(pending_key(image_pk, file_name))


def _make(image: Image, digest: str, shape: str | None = None) -> RenditionSet:
    # Files stored before uploads were re-encoded (or restored from a backup) are opened only
    # with the decoders an upload may use.
    with image.file.open("rb") as handle, PillowImage.open(handle, formats=DECODERS) as source:
        width, height = _shown_size(source)
        if shape is None:
            box, prefix = Box(0, 0, width, height), f"{digest}-"
        else:
            box = crop_box(width, height, SHAPES[shape], image.focal_point)
            prefix = crop_prefix(digest, shape, image.focal_point)
        has_alpha = "A" in source.mode or "transparency" in source.info
        fallback_format, fallback_ext, fallback_type = (
            ("PNG", "png", "image/png") if has_alpha else ("JPEG", "jpg", "image/jpeg")
        )
        planned = []
        for target in target_widths(box.width):
            size = (target, max(1, round(box.height * target / box.width)))
            for fmt, ext, options in (
                ("WEBP", "webp", {"quality": WEBP_QUALITY, "method": 4}),
                (fallback_format, fallback_ext, _fallback_options(fallback_format)),
            ):
                planned.append(
                    (f"renditions/{image.pk}/{prefix}{target}.{ext}", size, fmt, options)
                )
        missing = [plan for plan in planned if not default_storage.exists(plan[0])]
        if missing:
            # Decoded only when something is to be made, and then at most about twice the widest
            # (of the whole picture, for a crop: the crop's widest is scaled to its width).
            widest = max(size[0] for _, size, _, _ in missing)
            screen = _for_screen(source, math.ceil(widest * width / box.width), has_alpha)
            # The window in the decoded picture's pixels, which may be fewer than the file's.
            across, down = screen.width / width, screen.height / height
            window = (box.left * across, box.top * down, box.right * across, box.bottom * down)
            resized: dict[tuple[int, int], PillowImage.Image] = {}
            for name, size, fmt, options in missing:
                if size not in resized:
                    resized[size] = (
                        screen.resize(size, PillowImage.Resampling.LANCZOS)
                        if shape is None
                        else screen.resize(size, PillowImage.Resampling.LANCZOS, box=window)
                    )
                buffer = BytesIO()
                resized[size].save(buffer, fmt, **options)
                saved = default_storage.save(name, ContentFile(buffer.getvalue()))
                if saved != name:  # made meanwhile by another request: keep one
                    default_storage.delete(saved)
    webp: list[Rendition] = []
    fallback: list[Rendition] = []
    for name, size, fmt, _ in planned:
        bucket = webp if fmt == "WEBP" else fallback
        bucket.append(Rendition(default_storage.url(name), *size))
    return RenditionSet(tuple(webp), tuple(fallback), fallback_type)


def _fallback_options(fmt: str) -> dict:
    if fmt == "JPEG":
        return {"quality": JPEG_QUALITY, "progressive": True, "optimize": True}
    return {"optimize": True}


def _shown_size(source: PillowImage.Image) -> tuple[int, int]:
    # Clean copies have their camera orientation applied already; files stored before them may
    # still carry the tag, which turns the picture a quarter for some values. Read from the raw
    # EXIF: getexif() decodes a whole PNG to look for it.
    exif = PillowImage.Exif()
    if source.info.get("exif"):
        exif.load(source.info["exif"])
    orientation = exif.get(ExifTags.Base.Orientation, 1)
    return source.size[::-1] if orientation in (5, 6, 7, 8) else source.size


def _for_screen(source: PillowImage.Image, widest: int, has_alpha: bool) -> PillowImage.Image:
    """The picture in 8-bit sRGB (with alpha if it has some), no more than about 2x `widest`.

    A JPEG is decoded at a reduced scale (draft): a 40-megapixel photo is read as 2.5, never
    whole. Other formats are decoded whole, then reduced by a whole factor before anything else.
    """
    shown_width, _ = _shown_size(source)
    if source.format in ("JPEG", "MPO"):
        scale = widest / shown_width
        source.draft(None, (math.ceil(source.width * scale), math.ceil(source.height * scale)))
    ImageOps.exif_transpose(source, in_place=True)  # in place: no copy of the whole picture
    image = source
    if image.mode in HIGH_BIT_DEPTH_MODES:
        image = eight_bit(image)
    elif image.mode not in ("L", "LA", "RGB", "RGBA", "CMYK"):
        image = image.convert("RGBA" if has_alpha else "RGB")  # palette, 1-bit, grey with a key
    elif has_alpha and image.mode in ("L", "RGB"):
        image = image.convert("RGBA")
    factor = image.width // (2 * widest)
    if factor > 1:
        image = image.reduce(factor)
    image = _in_srgb(image, source.info.get("icc_profile"))
    return image.convert("RGBA" if has_alpha else "RGB")


def _in_srgb(image: PillowImage.Image, icc_profile: bytes | None) -> PillowImage.Image:
    """Colours as a browser shows untagged pixels: sRGB. A CMYK or wide-gamut profile is applied.

    Renditions carry no profile, so a phone's Display P3 photo or a print CMYK file would come
    out dull or wrong without this. A profile that cannot be read leaves the numbers as they are.
    """
    if not icc_profile or image.mode not in ("RGB", "RGBA", "CMYK"):
        return image
    try:
        converted = ImageCms.profileToProfile(
            image,
            ImageCms.ImageCmsProfile(BytesIO(icc_profile)),
            _srgb(),
            outputMode="RGBA" if image.mode == "RGBA" else "RGB",
        )
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        logger.warning("Ignoring a colour profile that cannot be applied", exc_info=True)
        return image
    return converted if converted is not None else image  # None only when converted in place


@functools.cache
def _srgb() -> ImageCms.ImageCmsProfile:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
