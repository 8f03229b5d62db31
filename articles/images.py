"""Checks on uploaded images, by their content rather than their name, and their clean copy.

An upload is accepted only if it is a JPEG, PNG, WebP or GIF within the byte and pixel caps,
decodes completely, and is nothing else besides (no markup inside, no data after the picture).
What is stored is then not the upload itself but a re-encoding of its pixels, named for its real
format: camera metadata (EXIF with the GPS position of a source's home, XMP, comments, PNG text)
never reaches the disk, and a file cannot arrive as ``portrait.html``.
"""

import re
import warnings
from io import BytesIO
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.template.defaultfilters import filesizeformat
from django.utils.text import get_valid_filename
from PIL import Image as PillowImage
from PIL import ImageOps, ImageSequence

ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}
EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "gif"}
JPEG_QUALITY = 92
WEBP_QUALITY = 90

# Text a browser or a server could take for a page or a program. No picture needs it; a file
# that is an image and also carries this is a polyglot, made to be read the second way. Each
# pattern is long enough (five bytes or more) that compressed pixel data almost never matches it
# by chance: well under one photo in a thousand even at the size limit.
MARKUP = re.compile(
    rb"<(?:script|html|body|iframe|object|embed|\?php|!doctype)|<svg[\s>/]"
    rb"|javascript:|\bon(?:load|error)\s*=",
    re.IGNORECASE,
)


def _invalid(message: str = "The file is not a readable JPEG, PNG, WebP or GIF image."):
    return ValidationError(message, code="invalid_image")


def _read_all(file) -> bytes:
    file.seek(0)
    data = file.read()
    return data if isinstance(data, bytes) else data.encode()


def _ends_where_the_picture_ends(data: bytes, image_format: str) -> bool:
    """Does the file stop at its format's end marker, with nothing appended after it?"""
    if image_format == "JPEG":
        return data.rstrip(b"\x00").endswith(b"\xff\xd9")
    if image_format == "PNG":
        return data.endswith(b"IEND\xaeB`\x82")
    if image_format == "GIF":
        return data.rstrip(b"\x00").endswith(b";")
    if image_format == "WEBP":
        declared = int.from_bytes(data[4:8], "little") + 8
        return len(data) in (declared, declared + 1)
    return False


def validate_image_file(file) -> None:
    """Refuse anything but a whole JPEG, PNG, WebP or GIF within the byte and pixel caps.

    Only the header is read to learn the dimensions, so a decompression bomb (a small file that
    claims a huge canvas) is refused before any pixel is decoded. Then every frame is decoded,
    which a truncated file fails, and the bytes are searched for a second life as something else.
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
        data = _read_all(file)
        if len(data) > settings.IMAGE_MAX_BYTES:
            raise ValidationError(
                "The file is %(size)s; images may be at most %(limit)s.",
                code="file_too_large",
                params={
                    "size": filesizeformat(len(data)),
                    "limit": filesizeformat(settings.IMAGE_MAX_BYTES),
                },
            )
        with warnings.catch_warnings():
            # Pillow's own bomb warning becomes an error: no half-measures on a hostile file.
            warnings.simplefilter("error", PillowImage.DecompressionBombWarning)
            image_format = _check_header(data)
            _decode_every_frame(data)
    except ValidationError:
        raise
    except (PillowImage.DecompressionBombError, PillowImage.DecompressionBombWarning) as error:
        raise ValidationError(
            "The image claims more pixels than can be processed safely.", code="too_many_pixels"
        ) from error
    except Exception as error:  # Pillow raises many kinds for damaged or foreign files.
        raise _invalid() from error
    finally:
        if position is not None:
            file.seek(position)
    if MARKUP.search(data) or not _ends_where_the_picture_ends(data, image_format):
        raise ValidationError(
            "The file holds more than a picture (text that could run as a web page or a "
            "program, or data hidden after the image). Save the picture again as a plain "
            "JPEG or PNG and upload that.",
            code="polyglot",
        )


def _check_header(data: bytes) -> str:
    with PillowImage.open(BytesIO(data)) as image:
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
        # Checks the structure (chunk checksums for PNG); truncated files often fail here.
        image.verify()
    return image_format


def _decode_every_frame(data: bytes) -> None:
    # verify() does not decode pixels, and for JPEG checks almost nothing: a JPEG cut off halfway
    # passes it. Decoding every frame is what proves the file whole.
    with PillowImage.open(BytesIO(data), formats=sorted(ALLOWED_FORMATS)) as image:
        for frame in ImageSequence.Iterator(image):
            frame.load()


def clean_copy(file, name: str) -> ContentFile:
    """A copy of a validated upload with only its pixels, named after its real format.

    Orientation from EXIF is applied to the pixels before EXIF goes. Kept: the colour profile
    (without it colours shift), transparency, and for animations the frame timing.
    """
    data = _read_all(file)
    with PillowImage.open(BytesIO(data), formats=sorted(ALLOWED_FORMATS)) as source:
        image_format = source.format
        icc_profile = source.info.get("icc_profile")
        loop = source.info.get("loop")
        if getattr(source, "n_frames", 1) == 1:
            # Turn the pixels the way the camera's orientation tag says, before the tag goes.
            frames = [_pixels_only(ImageOps.exif_transpose(source), keep=("transparency",))]
        else:
            frames = [
                _pixels_only(frame.copy(), keep=("transparency", "duration", "disposal"))
                for frame in ImageSequence.Iterator(source)
            ]
    output = BytesIO()
    options = _save_options(image_format, frames, icc_profile, loop)
    frames[0].save(output, image_format, **options)
    stem = get_valid_filename(PurePath(name).stem)[:80].strip("._-") or "image"
    return ContentFile(output.getvalue(), name=f"{stem}.{EXTENSIONS[image_format]}")


def _pixels_only(image: PillowImage.Image, keep: tuple[str, ...]) -> PillowImage.Image:
    # Pillow carries what it read (exif, xmp, comment, dpi, text chunks) in .info and writes
    # some of it back on save; empty it but for what the picture needs.
    image.info = {key: image.info[key] for key in keep if key in image.info}
    if hasattr(image, "_exif"):
        image._exif = None
    return image


def _save_options(image_format: str, frames, icc_profile, loop) -> dict:
    options: dict = {}
    if icc_profile and image_format in ("JPEG", "PNG", "WEBP"):
        options["icc_profile"] = icc_profile
    if "transparency" in frames[0].info and image_format in ("PNG", "GIF"):
        options["transparency"] = frames[0].info["transparency"]
    if image_format == "JPEG":
        options.update(quality=JPEG_QUALITY, optimize=True)
    elif image_format == "WEBP":
        options.update(quality=WEBP_QUALITY, method=4)
    if len(frames) > 1:
        options.update(
            save_all=True,
            append_images=frames[1:],
            duration=[frame.info.get("duration", 100) for frame in frames],
        )
        if loop is not None:
            options["loop"] = loop
    return options
