"""Uploaded images: checks by content, the clean copy that is stored, its name, and its removal.

An upload is accepted only if it is a JPEG (a phone's multi-picture JPEG too), PNG, WebP or GIF
within the byte, pixel and frame caps, decodes completely, and is nothing else besides (no markup
inside, no data after the picture). What is stored is then not the upload itself but a
re-encoding of its pixels under a random name with its real format's extension: camera metadata
(EXIF with the GPS position of a source's home, XMP, comments, PNG text) never reaches the disk,
the uploader's file name ("face-of-source.jpg") is never kept, and a file cannot arrive as
``portrait.html``. When a picture is deleted or replaced, its files go once the change commits.
"""

import logging
import re
import secrets
import warnings
from io import BytesIO
from pathlib import PurePath
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from PIL import GifImagePlugin, ImageChops, ImageMath, ImageOps, ImageSequence
from PIL import Image as PillowImage

if TYPE_CHECKING:
    pass

logger = logging.getLogger(__name__)

# Pillow's names for what may be uploaded, and what each is stored as: a phone's multi-picture
# JPEG (MPO: the photo, then a depth map or a second view) keeps its primary picture only.
STORED_FORMATS = {"JPEG": "JPEG", "MPO": "JPEG", "PNG": "PNG", "WEBP": "WEBP", "GIF": "GIF"}
ALLOWED_FORMATS = set(STORED_FORMATS)
# The decoders that may open an upload (Pillow's JPEG decoder opens MPO files too).
DECODERS = ["GIF", "JPEG", "PNG", "WEBP"]
EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "gif"}
# Formats whose animations are kept (APNG is Pillow's "PNG" with more than one frame).
ANIMATED_FORMATS = {"GIF", "PNG", "WEBP"}
# The longest a frame can be shown, in milliseconds, as each format records it: GIF counts
# hundredths of a second in 16 bits, APNG seconds in a 16-bit numerator, WebP 24-bit milliseconds.
LONGEST_FRAME_MS = {"GIF": 655_350, "PNG": 65_535_000, "WEBP": 16_777_215}
# Grey of more than eight bits: Pillow reads a 16-bit grey PNG as I;16 (older versions as I).
HIGH_BIT_DEPTH_MODES = {"I", "I;16", "I;16B", "I;16L", "I;16N"}
JPEG_QUALITY = 92
WEBP_QUALITY = 90
# libwebp's effort, 0-6. At 4, re-encoding 40 megapixels took 10 s; at 2, 3.5 s (2% more bytes).
WEBP_METHOD = 2
# zlib's effort for PNG, 0-9. At Pillow's 6, a 40-megapixel photo took 9.4 s of CPU; at 4, 3.5 s
# and 10% more bytes (300 animated frames within the caps: 17 s at 6, 3 s at 4).
PNG_COMPRESS_LEVEL = 4

# Pillow turns every GIF frame after the first into RGB unless told otherwise. Frames that share
# the first one's palette then stay palette frames: a quarter of the memory, and stored again in
# their own colours rather than a new palette's approximation of them.
GifImagePlugin.LOADING_STRATEGY = GifImagePlugin.LoadingStrategy.RGB_AFTER_DIFFERENT_PALETTE_ONLY

# Text a browser or a server could take for a page or a program. No picture needs it; a file
# that is an image and also carries this is a polyglot, made to be read the second way. Each
# pattern is long enough (five bytes or more) that compressed pixel data almost never matches it
# by chance: well under one photo in a thousand even at the size limit.
MARKUP = re.compile(
    rb"<(?:script|html|body|iframe|object|embed|\?php|!doctype)|<svg[\s>/]"
    rb"|javascript:|\bon(?:load|error)\s*=",
    re.IGNORECASE,
)


class CleanCopy(ContentFile):
    """A picture re-encoded by clean_copy(): only its pixels, checked before it was made."""


def _invalid(message: str = "The file is not a readable JPEG, PNG, WebP or GIF image."):
    return ValidationError(message, code="invalid_image")


def _read_all(file) -> bytes:
    file.seek(0)
    data = file.read()
    return data if isinstance(data, bytes) else data.encode()


def _ends_where_the_picture_ends(data: bytes, image_format: str) -> bool:
    """Does the file stop at its format's end marker, with nothing appended after it?"""
    if image_format in ("JPEG", "MPO"):
        return data.rstrip(b"\x00").endswith(b"\xff\xd9")
    if image_format == "PNG":
        return data.endswith(b"IEND\xaeB`\x82")
    if image_format == "GIF":
        return data.rstrip(b"\x00").endswith(b";")
    if image_format == "WEBP":
        declared = int.from_bytes(data[4:8], "little") + 8
        return len(data) in (declared, declared + 1)
    return False


def _too_large(size: int) -> ValidationError:
    return ValidationError(
        "The file is %(size)s; images may be at most %(limit)s.",
        code="file_too_large",
        params={"size": filesizeformat(size), "limit": filesizeformat(settings.IMAGE_MAX_BYTES)},
    )


def validate_image_file(file) -> None:
    """Refuse anything but a whole JPEG, PNG, WebP or GIF within the byte, pixel and frame caps.

    Only the header is read to learn the dimensions, so a decompression bomb (a small file that
    claims a huge canvas) is refused before any pixel is decoded. Then each frame is decoded,
    which a truncated file fails, each checked against the caps before it is; and the bytes are
    searched for a second life as something else.
    """
    if getattr(file, "_committed", False) and hasattr(file, "storage"):
        return  # a file already stored was checked when it came in
    if isinstance(file, CleanCopy) or isinstance(getattr(file, "file", None), CleanCopy):
        return  # our own re-encoding, made from a file that passed here (the admin form's path)
    size = getattr(file, "size", None)
    if size is not None and size > settings.IMAGE_MAX_BYTES:
        raise _too_large(size)
    position = file.tell() if hasattr(file, "tell") else None
    try:
        data = _read_all(file)
        if len(data) > settings.IMAGE_MAX_BYTES:
            raise _too_large(len(data))
        with warnings.catch_warnings():
            # Pillow's own bomb warning becomes an error: no half-measures on a hostile file.
            warnings.simplefilter("error", PillowImage.DecompressionBombWarning)
            image_format = _check_header(data)
            _decode_within_caps(data)
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
        if image_format not in ALLOWED_FORMATS:
            raise ValidationError(
                "Upload a JPEG, PNG, WebP or GIF image; this file is %(format)s.",
                code="unsupported_format",
                params={"format": image_format or "not an image"},
            )
        _check_pixels(image, image.width * image.height)
        # Checks the structure (chunk checksums for PNG); truncated files often fail here.
        image.verify()
    return image_format


def _check_pixels(image: PillowImage.Image, pixels: int) -> None:
    if pixels > settings.IMAGE_MAX_PIXELS:
        raise ValidationError(
            "The image is %(width)s × %(height)s pixels; the limit is %(limit)s million pixels "
            "in all, counting every frame of an animation.",
            code="too_many_pixels",
            params={
                "width": image.width,
                "height": image.height,
                "limit": settings.IMAGE_MAX_PIXELS // 1_000_000,
            },
        )


def _decode_within_caps(data: bytes) -> None:
    """Decode every frame that will be stored, refusing before the one that would pass a cap.

    verify() does not decode pixels, and for JPEG checks almost nothing: a JPEG cut off halfway
    passes it. Decoding is what proves the file whole. Frames are counted and measured one at a
    time rather than trusted from the header: a GIF's later frames may each make the canvas
    larger, and tens of thousands of tiny frames cost time and memory their pixels do not show.
    """
    with PillowImage.open(BytesIO(data), formats=DECODERS) as image:
        pixels = 0
        for index in range(_frames_kept(image)):
            if index:
                image.seek(index)
            if index >= settings.IMAGE_MAX_FRAMES:
                raise ValidationError(
                    "The animation has more than %(limit)s frames; make it shorter, or upload a "
                    "still picture.",
                    code="too_many_frames",
                    params={"limit": settings.IMAGE_MAX_FRAMES},
                )
            pixels += image.width * image.height
            _check_pixels(image, pixels)
            image.load()


def _frames_kept(image: PillowImage.Image) -> int:
    # Only the primary picture of a multi-picture JPEG is kept, so only it is decoded. Counting
    # a GIF's frames reads their headers, not their pixels; IMAGE_MAX_BYTES bounds that walk.
    if image.format not in ANIMATED_FORMATS:
        return 1
    return min(getattr(image, "n_frames", 1), settings.IMAGE_MAX_FRAMES + 1)


def clean_copy(file) -> CleanCopy:
    """A checked upload re-encoded to its pixels alone, or a ValidationError saying why not.

    Orientation from EXIF is applied to the pixels before EXIF goes. Kept: the colour profile
    (without it colours shift), transparency, and for animations the frames and their timing.
    16-bit grey becomes 8-bit grey, scaled. The copy is named ``image.<real extension>``; the
    field's upload_to (stored_name) gives it its random name when it is saved.
    """
    validate_image_file(file)
    data = _read_all(file)
    try:
        encoded, stored_format = _reencode(data)
    except ValidationError:
        raise
    except Exception as error:  # an encoder refusing is a file we cannot store, not a 500
        logger.warning("Cannot re-encode an uploaded image", exc_info=True)
        raise ValidationError(
            "This picture could not be stored. Save it again as a plain JPEG or PNG and upload "
            "that.",
            code="cannot_store",
        ) from error
    return CleanCopy(encoded, name=f"image.{EXTENSIONS[stored_format]}")


def _reencode(data: bytes) -> tuple[bytes, str]:
    with PillowImage.open(BytesIO(data), formats=DECODERS) as source:
        stored_format = STORED_FORMATS[source.format or ""]
        icc_profile, loop = source.info.get("icc_profile"), source.info.get("loop")
        if _frames_kept(source) == 1:
            # Turn the pixels the way the camera's orientation tag says, before the tag goes.
            # In place: a copy of a 40-megapixel picture is 120 MB more.
            ImageOps.exif_transpose(source, in_place=True)
            frames = [_storable(source, stored_format, keep=("transparency",))]
        else:
            keep = ("transparency", "duration", "disposal")
            frames = [
                _storable(frame.copy(), stored_format, keep=keep)
                for frame in ImageSequence.Iterator(source)
            ]
            frames = _merge_repeated_frames(frames, LONGEST_FRAME_MS[stored_format])
        options = _save_options(stored_format, frames, icc_profile, loop)
        output = BytesIO()
        # Inside the with: closing the source frees the pixels of a still picture.
        frames[0].save(output, stored_format, **options)
    return output.getvalue(), stored_format


def _storable(image: PillowImage.Image, stored_format: str, keep: tuple[str, ...]):
    """The picture with only its pixels, in a mode its stored format writes faithfully."""
    # Pillow carries what it read (exif, xmp, comment, dpi, text chunks) in .info and writes
    # some of it back on save; empty it but for what the picture needs.
    info: dict[str | tuple[int, int], Any] = {k: image.info[k] for k in keep if k in image.info}
    if image.mode in HIGH_BIT_DEPTH_MODES:
        image = eight_bit(image)
        info.pop("transparency", None)  # now an alpha channel, if it was there
    elif stored_format == "JPEG" and image.mode not in ("L", "RGB", "CMYK"):
        image = image.convert("RGB")
    elif stored_format == "GIF" and image.mode not in ("P", "L", "1"):
        image, info = _paletted(image, info)
    image.info = info
    if hasattr(image, "_exif"):
        image._exif = None
    return image


def _paletted(image: PillowImage.Image, info: dict) -> tuple[PillowImage.Image, dict]:
    """A GIF frame that Pillow decoded to RGB(A), back to a palette of at most 256 colours.

    Done here with the fast octree method: Pillow's default (median cut) took 0.85 s for one
    365 x 365 gradient, so four minutes for 300 frames within the caps. GIF transparency is all
    or nothing: pixels under half opaque become the clear colour.
    """
    rgba = image.convert("RGBA")
    paletted = rgba.convert("RGB").quantize(255, method=PillowImage.Quantize.FASTOCTREE)
    info = {key: value for key, value in info.items() if key != "transparency"}
    clear = rgba.getchannel("A").point(lambda alpha: 255 if alpha < 128 else 0, "1")
    if clear.getbbox():
        paletted.paste(255, mask=clear)
        info["transparency"] = 255
    return paletted, info


def eight_bit(image: PillowImage.Image) -> PillowImage.Image:
    """16-bit grey as 8-bit grey, scaled rather than clipped.

    Pillow's own conversion clips every value above 255, so a 16-bit PNG turns white. A colour
    key (tRNS) becomes an alpha channel, since two 16-bit greys can share one 8-bit grey.
    """
    wide = image.convert("I")
    grey = wide.point(lambda value: value / 257).convert("L")
    key = image.info.get("transparency")
    if isinstance(key, int):
        alpha = ImageMath.lambda_eval(lambda a: (a["im"] != key) * 255, im=wide).convert("L")
        grey.putalpha(alpha)
    return grey


def _merge_repeated_frames(frames: list, longest_ms: int) -> list:
    """Join a frame shown twice in a row into one, its time capped at what the format records.

    Pillow's encoders join them too, summing their times; two legal 400-second GIF frames then
    make an 800-second one that no GIF can record, and the save fails.
    """
    merged: list = []
    for frame in frames:
        duration = max(0, round(frame.info.get("duration", 100) or 0))
        previous = merged[-1] if merged else None
        if previous is not None and _same_picture(previous, frame):
            previous.info["duration"] = min(previous.info["duration"] + duration, longest_ms)
            continue
        frame.info["duration"] = min(duration, longest_ms)
        merged.append(frame)
    return merged


def _same_picture(first: PillowImage.Image, second: PillowImage.Image) -> bool:
    if first.size != second.size or any(
        first.info.get(key) != second.info.get(key) for key in ("disposal", "transparency")
    ):
        return False
    if first.mode == second.mode and first.getpalette() == second.getpalette():
        return first.tobytes() == second.tobytes()
    # Copies: converting a palette picture with a clear colour to RGBA changes its palette.
    difference = ImageChops.difference(first.copy().convert("RGBA"), second.copy().convert("RGBA"))
    return difference.getbbox(alpha_only=False) is None


def _save_options(image_format: str, frames, icc_profile, loop) -> dict:
    options: dict = {}
    if icc_profile and image_format in ("JPEG", "PNG", "WEBP"):
        options["icc_profile"] = icc_profile
    if "transparency" in frames[0].info and image_format in ("PNG", "GIF") and len(frames) == 1:
        # An animation's frames each carry their own (Pillow reads it from each frame's info).
        options["transparency"] = frames[0].info["transparency"]
    if image_format == "GIF":
        # Pillow's "optimize" blanks in each frame what it shares with the one before: about 5 s
        # of 17 for 300 frames within the caps, for a somewhat smaller file.
        options["optimize"] = False
    elif image_format == "JPEG":
        options.update(quality=JPEG_QUALITY, optimize=True)
    elif image_format == "WEBP":
        options.update(quality=WEBP_QUALITY, method=WEBP_METHOD)
    elif image_format == "PNG":
        options["compress_level"] = PNG_COMPRESS_LEVEL
    if len(frames) > 1:
        options.update(
            save_all=True,
            append_images=frames[1:],
            duration=[frame.info["duration"] for frame in frames],
        )
        if loop is not None:
            options["loop"] = loop
    elif "duration" in frames[0].info and image_format == "GIF":
        options["duration"] = frames[0].info["duration"]
    return options


def stored_name(instance, filename: str) -> str:
    """Where a new picture is stored: images/<year>/<month>/<22 random characters>.<ext>.

    The uploader's file name never reaches storage or a page: "face-of-source.jpg" would say who
    is in the picture. The random part (128 bits) also means a picture not yet published cannot
    be found by guessing its address. Only the extension of the clean copy's name is kept.
    """
    extension = PurePath(filename).suffix.lower().lstrip(".")
    if extension not in EXTENSIONS.values():
        extension = "bin"  # never served as anything a browser runs
    return f"images/{timezone.now():%Y/%m}/{secrets.token_urlsafe(16)}.{extension}"
