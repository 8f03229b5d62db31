"""The focal point of a picture, and the shapes its renditions are cropped to around it.

An editor marks the point that must stay in any crop (Image.focal_x and focal_y, fractions of the
width and of the height; empty is the middle). A crop is the largest window of the shape that
fits in the picture, centred on the point, then slid back inside the picture where it would
cross an edge: the point stays in frame, as near the middle of the crop as the edges allow.

Crops are stored as renditions named after the point (crop_prefix()), so moving the point makes
new files: no browser or CDN keeps showing a crop around the old one.
"""

import math
from fractions import Fraction
from typing import NamedTuple

# Each shape's name (in file names and template tags) and its width to height.
SHAPES: dict[str, Fraction] = {
    "wide": Fraction(16, 9),  # story cards
    "square": Fraction(1, 1),  # JSON-LD's square image
    "social": Fraction(191, 100),  # og:image and twitter:image, 1.91:1
}

# Digits a focal point is kept to: finer than a pixel of any picture the library accepts.
PLACES = 4


class Box(NamedTuple):
    """A window in a picture, in pixels: left and top inclusive, right and bottom exclusive."""

    left: int
    top: int
    right: int
    bottom: int

    @property
    def width(self) -> int:
        return self.right - self.left

    @property
    def height(self) -> int:
        return self.bottom - self.top


class FocalPointError(ValueError):
    """A focal point outside the picture, or not a number."""


def checked(value: object, axis: str) -> float | None:
    """`value` as a focal coordinate (rounded to PLACES), or None for the middle; FocalPointError
    naming `axis` if it is not a number from 0 to 1."""
    if value is None or value == "":
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise FocalPointError(f"The focal point {axis} must be a number from 0 to 1.") from None
    if not math.isfinite(number) or not 0 <= number <= 1:
        raise FocalPointError(
            f"The focal point {axis} must be from 0 to 1 (a fraction of the picture), not {value}."
        )
    return round(number, PLACES)


def crop_box(
    width: int, height: int, shape: Fraction, focal: tuple[float, float] = (0.5, 0.5)
) -> Box:
    """The largest window of `shape` (width / height) in a `width` x `height` picture, centred on
    `focal` (fractions across and down) and kept inside the picture. Never empty."""
    if width < 1 or height < 1:
        raise ValueError(f"A picture has no pixels at {width}x{height}.")
    if Fraction(width, height) > shape:  # wider than the shape: the whole height
        crop_w, crop_h = round(height * shape), height
    else:
        crop_w, crop_h = width, round(width / shape)
    crop_w, crop_h = min(width, max(1, crop_w)), min(height, max(1, crop_h))
    left = _clamp(round(focal[0] * width - crop_w / 2), 0, width - crop_w)
    top = _clamp(round(focal[1] * height - crop_h / 2), 0, height - crop_h)
    return Box(left, top, left + crop_w, top + crop_h)


def _clamp(value: int, low: int, high: int) -> int:
    return max(low, min(high, value))


def point_code(focal: tuple[float, float]) -> str:
    """The focal point as it appears in crop names: '5000x2500' for (0.5, 0.25)."""
    scale = 10**PLACES
    return f"{round(focal[0] * scale)}x{round(focal[1] * scale)}"


def crop_prefix(digest: str, shape: str, focal: tuple[float, float]) -> str:
    """How the names of a file's crops to `shape` around `focal` begin (before '<width>.<ext>');
    every name of the file's renditions begins with '<digest>-'."""
    return f"{digest}-{shape}-{point_code(focal)}-"


def is_crop(file_name: str, digest: str) -> bool:
    """Is `file_name` (a rendition's name in its folder) a crop of the file with `digest`?"""
    return any(file_name.startswith(f"{digest}-{shape}-") for shape in SHAPES)
