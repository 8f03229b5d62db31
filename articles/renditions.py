"""Image renditions: each picture resized with Pillow to a few widths, in WebP and a fallback.

Renditions are made once, the first time a page needs them, stored beside the uploads under
renditions/, and their URLs remembered in the cache. Readers only ever get renditions: the
uploaded original (possibly huge, with its camera metadata) is never linked from a page.
"""

import hashlib
import logging
from dataclasses import dataclass
from io import BytesIO

from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image as PillowImage
from PIL import ImageOps

from .models import Image

logger = logging.getLogger(__name__)

WIDTHS = (320, 640, 960, 1280, 1600)
WEBP_QUALITY = 80
JPEG_QUALITY = 82
CACHE_SECONDS = 60 * 60 * 24 * 30


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


def _key(image: Image) -> str:
    digest = hashlib.sha256(f"{image.pk}:{image.file.name}".encode()).hexdigest()[:12]
    return f"renditions:v1:{image.pk}:{digest}"


def renditions_for(image: Image | None) -> RenditionSet | None:
    """The renditions of `image`, made now if they do not exist yet; None if it cannot be read."""
    if image is None or not image.file:
        return None
    key = _key(image)
    found = cache.get(key)
    if isinstance(found, RenditionSet):
        return found
    try:
        made = _make(image, key.rsplit(":", 1)[-1])
    except (OSError, ValueError, PillowImage.DecompressionBombError):
        logger.exception("Cannot make renditions of image %s (%s)", image.pk, image.file.name)
        return None
    cache.set(key, made, CACHE_SECONDS)
    return made


def _make(image: Image, digest: str) -> RenditionSet:
    with image.file.open("rb") as handle, PillowImage.open(handle) as source:
        source = ImageOps.exif_transpose(source)
        has_alpha = source.mode in ("RGBA", "LA", "P") and (
            source.mode != "P" or "transparency" in source.info
        )
        source = source.convert("RGBA" if has_alpha else "RGB")
        fallback_format, fallback_ext, fallback_type = (
            ("PNG", "png", "image/png") if has_alpha else ("JPEG", "jpg", "image/jpeg")
        )
        webp, fallback = [], []
        for width in target_widths(source.width):
            height = max(1, round(source.height * width / source.width))
            resized = None
            for fmt, ext, bucket, options in (
                ("WEBP", "webp", webp, {"quality": WEBP_QUALITY, "method": 4}),
                (fallback_format, fallback_ext, fallback, _fallback_options(fallback_format)),
            ):
                name = f"renditions/{image.pk}/{digest}-{width}.{ext}"
                if not default_storage.exists(name):
                    if resized is None:
                        resized = source.resize((width, height), PillowImage.Resampling.LANCZOS)
                    buffer = BytesIO()
                    resized.save(buffer, fmt, **options)
                    name = default_storage.save(name, ContentFile(buffer.getvalue()))
                bucket.append(Rendition(default_storage.url(name), width, height))
    return RenditionSet(tuple(webp), tuple(fallback), fallback_type)


def _fallback_options(fmt: str) -> dict:
    if fmt == "JPEG":
        return {"quality": JPEG_QUALITY, "progressive": True, "optimize": True}
    return {"optimize": True}
