"""The demo as a first hour: load_demo ends on the passwords, explains the editor's first sign-in
with a one-time code (only while developing), dates its stories lately and raises no alarm; and
absolute links follow the address the site is reached at while developing, never in production."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice

from articles import translation
from articles.models import Article
from articles.site_address import site_url
from tests.conftest import password_only_login

pytestmark = pytest.mark.django_db


def load_demo(**options) -> list[str]:
    out = StringIO()
    call_command("load_demo", stdout=out, no_color=True, **options)
    return out.getvalue().splitlines()


def test_the_passwords_are_the_last_lines_and_no_email_is_printed_before_them(settings):
    settings.DEBUG = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    lines = load_demo(password="demo-pass-123")
    assert [line.split()[0] for line in lines[-3:]] == ["editor", "reporter", "translator"]
    assert all(line.endswith("password: demo-pass-123") for line in lines[-3:])
    assert lines[-4] == "Demo accounts (new passwords each run):"
    assert not any(line.startswith(("Subject:", "From:", "To:")) for line in lines)
    assert mail.outbox == []  # the set-up's own moves mail nobody


def test_the_editor_signs_in_the_first_time_with_the_printed_one_time_code(settings, client):
    settings.DEBUG = True
    lines = load_demo(password="demo-pass-123")
    (line,) = [line for line in lines if "one-time recovery code" in line]
    code = line.rsplit(" ", 1)[1]
    editor = get_user_model().objects.get(username="editor")
    password_only_login(client, editor)
    verify = reverse("two_factor:verify")
    assert client.get("/admin/").url.startswith(verify)
    client.post(verify, {"otp_token": code})
    assert client.get("/admin/").status_code == 200
    # Once only: the code is spent.
    client.logout()
    password_only_login(client, editor)
    client.post(verify, {"otp_token": code})
    assert client.get("/admin/").status_code == 302


def test_with_debug_off_the_demo_gives_no_way_past_the_second_factor(settings):
    settings.DEBUG = False
    lines = load_demo(password="demo-pass-123", force=True)
    assert not any("one-time" in line for line in lines)
    assert not StaticDevice.objects.exists()


def test_the_demo_stories_are_recent_and_raise_no_alarm(settings, editor_client):
    settings.DEBUG = True
    load_demo()
    raqqa = Article.objects.get(status=Article.Status.TRANSLATION_REVIEW)
    assert translation.never_reviewed(raqqa)
    page = editor_client.get(reverse("admin:articles_article_change", args=[raqqa.pk]))
    assert "changed after the translation was reviewed" not in page.content.decode()


# Absolute links


def test_while_developing_without_site_url_links_follow_the_address_of_the_request(
    settings, client
):
    settings.DEBUG = True
    settings.SITE_URL_FROM_REQUEST = True
    settings.ALLOWED_HOSTS = ["127.0.0.1"]
    html = client.get("/", HTTP_HOST="127.0.0.1:8123").content.decode()
    assert '<link rel="canonical" href="http://127.0.0.1:8123/">' in html
    robots = client.get("/robots.txt", HTTP_HOST="127.0.0.1:8123").content.decode()
    assert "Sitemap: http://127.0.0.1:8123/sitemap.xml" in robots


def test_in_production_links_use_site_url_whatever_the_host(settings, client):
    settings.DEBUG = False
    settings.SITE_URL = "https://news.example"
    settings.SITE_URL_FROM_REQUEST = True  # even if it were set: DEBUG off never follows
    settings.ALLOWED_HOSTS = ["other.example"]
    html = client.get("/", HTTP_HOST="other.example").content.decode()
    assert '<link rel="canonical" href="https://news.example/">' in html


def test_outside_a_request_the_configured_address_is_used(settings):
    settings.DEBUG = True
    settings.SITE_URL_FROM_REQUEST = True
    settings.SITE_URL = "http://127.0.0.1:8000"
    assert site_url() == "http://127.0.0.1:8000"
