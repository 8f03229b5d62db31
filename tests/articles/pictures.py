"""Pictures for the image tests: made with Pillow, posted through the admin's image form as an
editor would."""

import io
import struct

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image as PillowImage

IMAGE_ADD = reverse("admin:articles_image_add")
SIZE = (64, 48)
OPAQUE, CLEAR = (40, 30), (2, 2)  # pixels to look at; pictures with alpha are clear top-left
TOLERANCE = 12  # JPEG and WebP are lossy, even on one flat colour


def post_image(client, data: bytes, name: str = "picture", url: str = IMAGE_ADD):
    client.raise_request_exception = False
    upload = SimpleUploadedFile(name, data, content_type="application/octet-stream")
    return client.post(url, {"file": upload, "alt_text": "A street", "caption": "", "credit": ""})


def encode(picture: PillowImage.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    picture.save(buffer, fmt, **options)
    return buffer.getvalue()


def sample(kind: str) -> PillowImage.Image:
    """A picture of one known colour in the mode `kind`; those with alpha are clear top-left."""
    if kind == "P":
        return PillowImage.new("RGB", SIZE, (0, 128, 128)).quantize(4)
    if kind == "P+transparency":
        picture = PillowImage.new("P", SIZE, 0)
        picture.putpalette([0, 128, 128, 0, 0, 0])
        picture.paste(1, (0, 0, 8, 8))
        picture.info["transparency"] = 1
        return picture
    colours = {
        "1": 0,
        "L": 90,
        "LA": (90, 255),
        "RGB": (200, 40, 30),
        "RGBA": (200, 40, 30, 255),
        "CMYK": (0, 255, 255, 0),  # red
        "I;16": 0x8080,  # 16-bit mid grey: 128 in 8 bits, white if clipped
        "I": 0x8080,
        "F": 0x8080,
        "LAB": (60, 140, 100),
        "YCbCr": (80, 90, 240),
    }
    picture = PillowImage.new(kind, SIZE, colours[kind])
    if "A" in kind:
        picture.paste((0,) * len(kind), (0, 0, 8, 8))
    return picture


def colour(picture: PillowImage.Image, point=OPAQUE) -> tuple[int, ...]:
    """What a browser shows at `point`, as RGBA: 16-bit grey scaled to 8 bits."""
    if picture.mode in ("I;16", "I", "F"):
        grey = round(picture.getpixel(point) / 257)
        return (grey, grey, grey, 255)
    return picture.convert("RGBA").getpixel(point)


def close_to(found, expected) -> bool:
    return all(abs(a - b) <= TOLERANCE for a, b in zip(found, expected, strict=True))


def gif(screen: tuple[int, int], frames: list[tuple[int, int, int]]) -> bytes:
    """A GIF written byte by byte: frames of (width, height, hundredths of a second), each of
    colour 0. Pillow's encoder would refuse to write the hostile ones."""
    out = bytearray(b"GIF89a" + struct.pack("<HHBBB", *screen, 0x80, 0, 0) + bytes(6))
    out += b"\x21\xff\x0bNETSCAPE2.0\x03\x01\x00\x00\x00"  # loop forever
    for width, height, delay in frames:
        out += b"\x21\xf9\x04\x00" + struct.pack("<H", delay) + b"\x00\x00"
        out += b"\x2c" + struct.pack("<HHHHB", 0, 0, width, height, 0)
        out += _lzw_of_colour_zero(width * height)
    return bytes(out + b";")


def _lzw_of_colour_zero(pixels: int) -> bytes:
    # A clear code before each pixel keeps every code three bits wide: easy to write, if long.
    codes, bits, count, packed = [*([4, 0] * pixels), 5], 0, 0, bytearray()
    for code in codes:
        bits, count = bits | code << count, count + 3
        while count >= 8:
            packed.append(bits & 0xFF)
            bits, count = bits >> 8, count - 8
    packed += bytes([bits]) if count else b""
    blocks = b"".join(
        bytes([len(packed[i : i + 255])]) + packed[i : i + 255] for i in range(0, len(packed), 255)
    )
    return b"\x02" + blocks + b"\x00"
