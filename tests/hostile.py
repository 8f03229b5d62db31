"""Hostile text and how to read a page for it, shared by the tests that attack the newsroom:
payloads that each carry a marker of their own, an inspector that finds anything in HTML that
would run, and the admin's forms filled in as a browser sends them."""

import json
import re
from html.parser import HTMLParser

from django.test import Client

# Each payload carries a marker of its own ("pwn-..."), so a test can see that the text did
# reach the page (escaped) and was not just dropped on the way.
HOSTILE = {
    "script": "<script>alert('pwn-script')</script>",
    "img-onerror": '"><img src=x onerror=alert("pwn-img")>',
    "svg-onload": "'><svg/onload=alert('pwn-svg')>",
    "svg-script": "<svg><script>alert('pwn-svgscript')</script></svg>",
    "javascript-url": "javascript:alert('pwn-jsurl')",
    "javascript-link": "<a href=\"javascript:alert('pwn-href')\">pwn-href</a>",
    "jsonld-breakout": "</script><script>alert('pwn-breakout')</script>",
    "iframe": "<iframe src=\"javascript:alert('pwn-iframe')\"></iframe>",
    "style": "<style>*{display:none}</style>pwn-style",
    "form": "<form action=https://evil.example/><input name=pwn-form></form>",
    "template": "{{ pwn_template }}{% now 'Y' %}",
    "rtl-override": "pwn-rtl \u202egpj.exe\u202c",
    "math-href": "<math><maction xlink:href=javascript:alert('pwn-math')>x</maction></math>",
    "comment": "<!--<script>alert('pwn-comment')</script>-->",
    "nested": "<<script>script>alert('pwn-nested')<</script>/script>",
    "entity": "&lt;script&gt;alert('pwn-entity')&lt;/script&gt;",
}
MARKER = re.compile(r"pwn-[a-z]+")

# Scripts the site and the admin are allowed to have: files from this site, and data blocks.
ALLOWED_SCRIPT_TYPES = {"application/ld+json", "application/json", "importmap"}
DANGEROUS_ELEMENTS = {"iframe", "object", "embed", "frame", "frameset", "base", "style"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "srcset"}


class _Inspector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.json_ld: list[str] = []
        self._script: dict | None = None
        self._script_text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self._check(tag, attrs)

    def handle_startendtag(self, tag, attrs):
        self._check(tag, attrs)

    def _check(self, tag, attrs):
        attributes = {name.lower(): value or "" for name, value in attrs}
        for name, value in attributes.items():
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}={value!r}>")
            if name in URL_ATTRIBUTES:
                squashed = re.sub(r"[\s\x00-\x1f]", "", value).lower()
                if squashed.startswith(("javascript:", "vbscript:", "data:text/html")):
                    self.problems.append(f"<{tag} {name}={value!r}>")
        if tag in DANGEROUS_ELEMENTS:
            self.problems.append(f"<{tag}>")
        if tag == "meta" and attributes.get("http-equiv", "").lower() == "refresh":
            self.problems.append("<meta http-equiv=refresh>")
        if tag == "form":
            action = attributes.get("action", "")
            if action.startswith(("http:", "https:", "//")):
                self.problems.append(f"<form action={action!r}>")
        if tag == "script":
            kind = attributes.get("type", "")
            src = attributes.get("src", "")
            if kind not in ALLOWED_SCRIPT_TYPES and not (
                src.startswith("/static/") or src == "/admin/jsi18n/"
            ):
                self.problems.append(f"<script {attributes}>")
            self._script = attributes
            self._script_text = []

    def handle_data(self, data):
        if self._script is not None:
            self._script_text.append(data)

    def handle_endtag(self, tag):
        if tag == "script" and self._script is not None:
            text = "".join(self._script_text)
            if self._script.get("type") == "application/ld+json":
                self.json_ld.append(text)
            elif text.strip() and self._script.get("type") not in ALLOWED_SCRIPT_TYPES:
                self.problems.append(f"inline script: {text[:80]!r}")
            self._script = None


def inspect(html: str) -> _Inspector:
    inspector = _Inspector()
    inspector.feed(html)
    inspector.close()
    return inspector


def assert_inert(html: str, where: str = "") -> _Inspector:
    """Nothing in `html` runs: no script but this site's files, no handlers, no script URLs."""
    inspector = inspect(html)
    assert inspector.problems == [], where
    for block in inspector.json_ld:
        json.loads(block)  # still valid JSON: nothing broke out of it
    return inspector


# Admin forms as a browser would send them -------------------------------------------------------


class _FormReader(HTMLParser):
    """The fields of the admin's main form with the values the page gives them."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.data: dict[str, str] = {}
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in ("submit", "button", "file"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self.data[name] = a.get("value", "")
        elif tag == "select" and name:
            self._select = name
            self.data.setdefault(name, "")
        elif tag == "option" and self._select and "selected" in a:
            self.data[self._select] = a.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = name
            self.data[name] = ""

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def form_defaults(client: Client, url: str) -> dict[str, str]:
    response = client.get(url)
    assert response.status_code == 200, url
    reader = _FormReader()
    reader.feed(response.content.decode())
    reader.data.pop("csrfmiddlewaretoken", None)
    return {k: v for k, v in reader.data.items() if "__prefix__" not in k}


def post_admin_form(client: Client, url: str, **values) -> object:
    data = {**form_defaults(client, url), **values}
    return client.post(url, data)


def created(response, model):
    """The object an admin add form just made, or a failure naming the form's errors."""
    if response.status_code != 302:
        context = response.context or {}
        form = context.get("adminform")
        errors = form.form.errors if form else None
        formsets = [fs.formset.errors for fs in context.get("inline_admin_formsets", [])]
        raise AssertionError(f"form refused: {errors} {formsets}")
    return model._default_manager.order_by("-pk").first()
