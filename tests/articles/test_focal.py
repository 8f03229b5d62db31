"""The focal point's maths: the crop window around it, and which values are a focal point."""

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from articles.focal import (
    SHAPES,
    Box,
    FocalPointError,
    checked,
    crop_box,
    crop_prefix,
    is_crop,
    point_code,
)

WIDE, SQUARE, SOCIAL = SHAPES["wide"], SHAPES["square"], SHAPES["social"]


def test_the_middle_crops_the_middle():
    assert crop_box(1600, 1200, WIDE) == Box(0, 150, 1600, 1050)
    assert crop_box(1600, 1200, SQUARE) == Box(200, 0, 1400, 1200)
    assert crop_box(1000, 1000, SOCIAL) == Box(0, 238, 1000, 762)  # 1000 / 1.91 = 523.6


def test_a_picture_already_of_the_shape_is_kept_whole_wherever_the_point():
    for focal in [(0, 0), (1, 1), (0.2, 0.9)]:
        assert crop_box(1600, 900, WIDE, focal) == Box(0, 0, 1600, 900)
        assert crop_box(500, 500, SQUARE, focal) == Box(0, 0, 500, 500)


@pytest.mark.parametrize(
    ("focal", "expected"),
    [
        ((0, 0), Box(0, 0, 1200, 1200)),  # top-left: the window goes as far left as it can
        ((1, 1), Box(400, 0, 1600, 1200)),  # bottom-right: as far right
        ((0, 1), Box(0, 0, 1200, 1200)),
        ((1, 0), Box(400, 0, 1600, 1200)),
        ((0.5, 0.5), Box(200, 0, 1400, 1200)),
        ((0.3, 0.5), Box(0, 0, 1200, 1200)),  # 480 - 600 < 0: clamped
        ((0.45, 0.1), Box(120, 0, 1320, 1200)),  # 720 - 600: centred on the point
    ],
)
def test_a_square_crop_of_a_landscape_picture_follows_the_point_across(focal, expected):
    assert crop_box(1600, 1200, SQUARE, focal) == expected


@pytest.mark.parametrize(
    ("focal", "top"),
    [((0.5, 0), 0), ((0.5, 1), 2000 - 675), ((0.5, 0.5), 662), ((0.5, 0.2), 62)],
)
def test_a_wide_crop_of_a_portrait_picture_follows_the_point_down(focal, top):
    # 1200 wide: 675 high at 16:9. The point 0.2 down is at 400: the window starts 337.5 above.
    box = crop_box(1200, 2000, WIDE, focal)
    assert (box.left, box.width, box.height) == (0, 1200, 675)
    assert box.top == top


def test_extreme_aspect_ratios():
    # A panorama 100 times wider than high: a square of its height, where the point is.
    assert crop_box(10000, 100, SQUARE, (0.9, 0.5)) == Box(8950, 0, 9050, 100)
    assert crop_box(10000, 100, WIDE, (1, 0.5)) == Box(10000 - 178, 0, 10000, 100)
    # A strip 100 times higher than wide: a window its width wide.
    assert crop_box(100, 10000, SOCIAL, (0.5, 0)) == Box(0, 0, 100, 52)
    assert crop_box(100, 10000, SOCIAL, (0.5, 1)) == Box(0, 10000 - 52, 100, 10000)


@pytest.mark.parametrize(("width", "height"), [(1, 1), (1, 50), (50, 1), (2, 1), (3, 2)])
@pytest.mark.parametrize("shape", SHAPES.values())
def test_tiny_pictures_still_give_a_pixel_and_stay_inside(width, height, shape):
    for focal in [(0, 0), (0.5, 0.5), (1, 1)]:
        box = crop_box(width, height, shape, focal)
        assert box.width >= 1
        assert box.height >= 1
        assert 0 <= box.left < box.right <= width
        assert 0 <= box.top < box.bottom <= height


def test_a_picture_without_pixels_is_refused():
    with pytest.raises(ValueError, match="no pixels"):
        crop_box(0, 10, SQUARE)


@settings(settings.get_profile("stories"), max_examples=400)
@given(
    width=st.integers(1, 12000),
    height=st.integers(1, 12000),
    shape=st.sampled_from(list(SHAPES.values()))
    | st.fractions(Fraction(1, 20), Fraction(20), max_denominator=100),
    x=st.floats(0, 1),
    y=st.floats(0, 1),
)
def test_the_point_is_always_in_the_largest_window_of_the_shape(width, height, shape, x, y):
    box = crop_box(width, height, shape, (x, y))
    assert 0 <= box.left < box.right <= width
    assert 0 <= box.top < box.bottom <= height
    # The point (in pixels) is inside the window...
    assert box.left <= x * width <= box.right
    assert box.top <= y * height <= box.bottom
    # ... which fills the picture one way, and has the shape to within a pixel's rounding.
    assert box.width == width or box.height == height
    if box.width > 1 and box.height > 1:
        assert abs(box.width - box.height * shape) <= max(1, shape) / 2 + 0.5
    # Centred on the point unless an edge is in the way.
    centre_x, centre_y = (box.left + box.right) / 2, (box.top + box.bottom) / 2
    if box.left > 0 and box.right < width:
        assert abs(centre_x - x * width) <= 0.5
    if box.top > 0 and box.bottom < height:
        assert abs(centre_y - y * height) <= 0.5


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, None), ("", None), (0, 0.0), (1, 1.0), ("0.25", 0.25), (0.123456, 0.1235)],
)
def test_focal_coordinates_from_0_to_1_are_kept_to_four_places(value, expected):
    assert checked(value, "across") == expected


@pytest.mark.parametrize(
    "value", [-0.01, 1.0001, 2, float("nan"), float("inf"), "half", "1e999", [0.5]]
)
def test_anything_else_is_refused_naming_the_axis(value):
    with pytest.raises(FocalPointError, match="focal point down must be") as refused:
        checked(value, "down")
    assert "from 0 to 1" in str(refused.value)


def test_crop_names_carry_the_point():
    assert point_code((0.5, 0.25)) == "5000x2500"
    assert crop_prefix("abc", "wide", (0.5, 0.25)) == "abc-wide-5000x2500-"
    assert crop_prefix("abc", "wide", (0.5, 0.25)) != crop_prefix("abc", "wide", (0.5, 0.2501))
    assert is_crop("abc-square-0x10000-320.webp", "abc")
    assert not is_crop("abc-320.webp", "abc")
    assert not is_crop("abd-square-0x10000-320.webp", "abc")
