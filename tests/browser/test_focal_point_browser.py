"""The focal point on the image form, in headless Chromium: the editor clicks the preview (or
moves the point with the keyboard), the marker follows, and saving keeps it; nothing is refused by
the Content-Security-Policy, axe finds nothing, and those who may not change pictures see the
point without being offered to move it."""

import os
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from tests.browser.conftest import login
from tests.factories import DEFAULT_PASSWORD, ArticleFactory, ImageFactory, UserFactory, png_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(os.environ.get("AXE_CORE_PATH", "/tmp/axe/node_modules/axe-core/axe.min.js"))


def open_form(page, live_server, image) -> None:
    page.console_errors.clear()
    response = page.goto(
        f"{live_server.url}{reverse('admin:articles_image_change', args=[image.pk])}"
    )
    assert response.status == 200
    page.wait_for_load_state("networkidle")


def marker_at(page) -> tuple[float, float]:
    """Where the marker's centre is, as fractions of the preview."""
    return page.evaluate(
        """() => {
            const img = document.querySelector("img.focal-preview").getBoundingClientRect()
            const m = document.querySelector(".focal-marker").getBoundingClientRect()
            return [(m.left + m.width / 2 - img.left) / img.width,
                    (m.top + m.height / 2 - img.top) / img.height]
        }"""
    )


def test_the_editor_clicks_the_preview_and_saves_the_point(page, live_server, artifacts_dir):
    UserFactory(username="nadia", role="Editor")
    image = ImageFactory(file=ContentFile(png_bytes(400, 200, "olive"), name="street.png"))
    login(page, live_server, "nadia", DEFAULT_PASSWORD)
    open_form(page, live_server, image)
    preview = page.locator("img.focal-preview")
    box = preview.bounding_box()
    assert (box["width"], box["height"]) == pytest.approx((480, 240), abs=1)
    assert marker_at(page) == pytest.approx((0.5, 0.5), abs=0.02)
    assert "50% across, 50% down" in page.locator(".focal-status").inner_text()

    preview.click(position={"x": box["width"] * 0.8, "y": box["height"] * 0.25})
    assert float(page.input_value("#id_focal_x")) == pytest.approx(0.8, abs=0.01)
    assert float(page.input_value("#id_focal_y")) == pytest.approx(0.25, abs=0.01)
    assert marker_at(page) == pytest.approx((0.8, 0.25), abs=0.02)
    assert "80% across, 25% down" in page.locator(".focal-status").inner_text()
    page.screenshot(path=str(artifacts_dir / "focal-point-form.png"), full_page=True)

    page.click("input[name=_continue]")
    page.wait_for_load_state()
    image.refresh_from_db()
    assert image.focal_point == pytest.approx((0.8, 0.25), abs=0.01)
    assert page.console_errors == []


def test_the_point_moves_with_the_keyboard_and_with_the_fields(page, live_server):
    UserFactory(username="nadia", role="Editor")
    image = ImageFactory(file=ContentFile(png_bytes(300, 300), name="square.png"), focal_x=0.5)
    login(page, live_server, "nadia", DEFAULT_PASSWORD)
    open_form(page, live_server, image)
    preview = page.locator("img.focal-preview")
    preview.focus()
    assert preview.evaluate("e => e === document.activeElement")
    for key in ["ArrowRight", "ArrowRight", "Shift+ArrowDown"]:
        page.keyboard.press(key)
    assert page.input_value("#id_focal_x") == "0.52"
    assert page.input_value("#id_focal_y") == "0.6"
    page.keyboard.press("Home")
    assert (page.input_value("#id_focal_x"), page.input_value("#id_focal_y")) == ("0.5", "0.5")
    for _ in range(12):  # never past the edge
        page.keyboard.press("Shift+ArrowLeft")
    assert page.input_value("#id_focal_x") == "0"

    # Typed into the fields, the point moves the marker too.
    page.fill("#id_focal_x", "0.1")
    page.fill("#id_focal_y", "0.9")
    assert marker_at(page) == pytest.approx((0.1, 0.9), abs=0.02)
    page.click("input[name=_continue]")
    page.wait_for_load_state()
    image.refresh_from_db()
    assert image.focal_point == (0.1, 0.9)
    assert page.console_errors == []


def test_a_point_outside_the_picture_is_a_message_on_the_form(page, live_server):
    UserFactory(username="nadia", role="Editor")
    image = ImageFactory()
    login(page, live_server, "nadia", DEFAULT_PASSWORD)
    open_form(page, live_server, image)
    page.evaluate("document.querySelector('form').noValidate = true")  # past the browser's check
    page.fill("#id_focal_x", "1.5")
    page.click("input[name=_continue]")
    page.wait_for_load_state()
    assert "less than or equal to 1" in page.locator(".field-focal_x .errorlist").inner_text()
    image.refresh_from_db()
    assert image.focal_x is None


def test_the_form_has_no_accessibility_violations(page, live_server):
    if not AXE.is_file():
        pytest.skip(f"axe-core not found at {AXE}: set AXE_CORE_PATH (see test_accessibility.py)")
    UserFactory(username="nadia", role="Editor")
    image = ImageFactory(file=ContentFile(png_bytes(400, 200), name="street.png"), focal_y=0.2)
    login(page, live_server, "nadia", DEFAULT_PASSWORD)
    open_form(page, live_server, image)
    page.evaluate(AXE.read_text(encoding="utf-8"))  # evaluated, not a <script>: the CSP stays
    result = page.evaluate(
        """() => axe.run(document.querySelector('.field-preview').closest('fieldset'),
            {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21aa', 'wcag22aa']}})"""
    )
    assert [v["id"] for v in result["violations"]] == []


@pytest.mark.parametrize("role", ["Reporter", "Translator"])
def test_those_who_may_not_change_pictures_see_the_point_but_cannot_move_it(
    page, live_server, role
):
    UserFactory(username="sami", role=role)
    image = ImageFactory(file=ContentFile(png_bytes(400, 200), name="street.png"), focal_x=0.2)
    ArticleFactory(published=True, lead_image=image)  # which they may see
    login(page, live_server, "sami", DEFAULT_PASSWORD)
    open_form(page, live_server, image)
    assert page.locator("#id_focal_x").count() == 0
    preview = page.locator("img.focal-preview")
    assert preview.get_attribute("tabindex") is None
    assert marker_at(page) == pytest.approx((0.2, 0.5), abs=0.02)
    assert page.console_errors == []
