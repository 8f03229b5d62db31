"""Checks on uploaded images, by their content rather than their name."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from PIL import Image as PillowImage

ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}


def validate_image_file(file) -> None:
    """Refuse anything but a JPEG, PNG, WebP or GIF within the byte and pixel caps.

    Only the header is read to learn the dimensions, so a decompression bomb (a small file that
    claims a huge canvas) is refused before any pixel is decoded.
    """
    size = getattr(file, "size", None)
    if size is not None and size > settings.IMAGE_MAX_BYTES:
        raise ValidationError(
            "The file is %(size)s; images may be at most %(limit)s.",
            code="file_too_large",
            params={
                "size": filesizeformat(size),
                "limit": filesizeformat(settings.IMAGE_MAX_BYTES),
            },
        )
    position = file.tell() if hasattr(file, "tell") else None
    try:
        file.seek(0)
        with PillowImage.open(file) as image:
            image_format = image.format
            width, height = image.size
            frames = getattr(image, "n_frames", 1)
            if image_format not in ALLOWED_FORMATS:
                raise ValidationError(
                    "Upload a JPEG, PNG, WebP or GIF image; this file is %(format)s.",
                    code="unsupported_format",
                    params={"format": image_format or "not an image"},
                )
            if width * height * max(frames, 1) > settings.IMAGE_MAX_PIXELS:
                raise ValidationError(
                    "The image is %(width)s × %(height)s pixels (%(frames)s frame(s)); the limit "
                    "is %(limit)s million pixels in all.",
                    code="too_many_pixels",
                    params={
                        "width": width,
                        "height": height,
                        "frames": frames,
                        "limit": settings.IMAGE_MAX_PIXELS // 1_000_000,
                    },
                )
            # Decode the header and structure fully; truncated files fail here.
            image.verify()
    except ValidationError:
        raise
    except (PillowImage.DecompressionBombError, PillowImage.DecompressionBombWarning) as error:
        raise ValidationError(
            "The image claims more pixels than can be processed safely.", code="too_many_pixels"
        ) from error
    except Exception as error:  # Pillow raises many kinds for damaged or foreign files.
        raise ValidationError(
            "The file is not a readable JPEG, PNG, WebP or GIF image.", code="invalid_image"
        ) from error
    finally:
        if position is not None:
            file.seek(position)
