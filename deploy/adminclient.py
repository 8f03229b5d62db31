"""A person in the admin, over plain HTTP: log in, open a story's change form, save it.

Standard library only, so the smoke and soak scripts run anywhere the app does. The form is read
the way a browser reads it (every input, textarea and select with its current value), so whatever
fields the story form has, including its optimistic-locking version, go back as they came.
"""

import hashlib
import hmac
import http.cookiejar
import re
import struct
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from html import unescape
from html.parser import HTMLParser


class AdminError(Exception):
    """The admin answered something other than what a working admin answers."""


class _FormReader(HTMLParser):
    """The fields of the form whose id is `form_id`, as a browser would submit them."""

    def __init__(self, form_id: str):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.in_form = False
        self.fields: list[tuple[str, str]] = []
        self._textarea: tuple[str, list[str]] | None = None
        self._select: str | None = None
        self._options: list[tuple[str, bool]] = []
        self._option_value: str | None = None
        self._option_text: list[str] = []
        self._option_selected = False
        self._select_multiple = False

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form" and a.get("id") == self.form_id:
            self.in_form = True
            return
        if not self.in_form or "disabled" in a:
            return
        name = a.get("name", "")
        if tag == "input" and name and "__prefix__" not in name:
            kind = a.get("type", "text").lower()
            if kind in {"submit", "button", "image", "reset", "file"}:
                return
            if kind in {"checkbox", "radio"}:
                if "checked" in a:
                    self.fields.append((name, a.get("value", "on")))
                return
            self.fields.append((name, a.get("value", "")))
        elif tag == "textarea" and name and "__prefix__" not in name:
            self._textarea = (name, [])
        elif tag == "select" and name and "__prefix__" not in name:
            self._select, self._options = name, []
            self._select_multiple = "multiple" in a
        elif tag == "option" and self._select is not None:
            self._finish_option()
            self._option_value = a.get("value")
            self._option_text = []
            self._option_selected = "selected" in a

    def _finish_option(self):
        if self._option_value is not None or self._option_text:
            value = self._option_value
            if value is None:
                value = "".join(self._option_text).strip()
            self._options.append((value, self._option_selected))
        self._option_value, self._option_text, self._option_selected = None, [], False

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1].append(data)
        elif self._select is not None and (self._option_value is not None or self._option_text):
            self._option_text.append(data)

    def handle_endtag(self, tag):
        if tag == "form" and self.in_form:
            self.in_form = False
        elif tag == "textarea" and self._textarea is not None:
            name, parts = self._textarea
            text = "".join(parts)
            # Browsers drop the newline that follows <textarea>; Django writes one.
            if text.startswith("\r\n"):
                text = text[2:]
            elif text.startswith("\n"):
                text = text[1:]
            self.fields.append((name, text))
            self._textarea = None
        elif tag == "select" and self._select is not None:
            self._finish_option()
            chosen = [value for value, selected in self._options if selected]
            if not chosen and self._options and not self._select_multiple:
                chosen = [self._options[0][0]]
            self.fields.extend((self._select, value) for value in chosen)
            self._select = None


@dataclass
class Saved:
    ok: bool
    status: int
    message: str  # the admin's error note when the save was refused


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


class AdminSession:
    """One logged-in person. Not thread-safe: give each thread its own."""

    def __init__(self, base_url: str, timeout: float = 15):
        self.base = base_url.rstrip("/")
        self.timeout = timeout
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirect()
        )

    def request(self, path: str, data: list[tuple[str, str]] | None = None) -> tuple[int, str, str]:
        """(status, body, Location) of one GET, or POST when `data` is given."""
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(self.base + path, data=body)
        if body is not None:
            request.add_header("Referer", self.base + path)
        try:
            with self.opener.open(request, timeout=self.timeout) as response:
                return response.status, response.read().decode(), ""
        except urllib.error.HTTPError as error:  # also every redirect, which is not followed
            location = error.headers.get("Location", "")
            return error.code, error.read().decode(errors="replace"), location

    def form(self, path: str, form_id: str) -> list[tuple[str, str]]:
        status, body, _ = self.request(path)
        if status != 200:
            raise AdminError(f"GET {path} answered {status}")
        reader = _FormReader(form_id)
        reader.feed(body)
        if not reader.fields:
            raise AdminError(f"no form #{form_id} at {path}")
        return reader.fields

    def login(self, username: str, password: str, otp_key: str = "") -> None:
        """Sign in with the password, then with an authenticator code when the admin asks."""
        fields = self.form("/admin/login/?next=/admin/", "login-form")
        fields = [(k, v) for k, v in fields if k not in {"username", "password"}]
        fields += [("username", username), ("password", password)]
        status, body, location = self.request("/admin/login/?next=/admin/", fields)
        if status != 302:
            raise AdminError(f"login as {username} answered {status}: {error_note(body)}")
        status, body, location = self.request("/admin/")
        if status == 302 and "/2fa/verify/" in location:
            if not otp_key:
                raise AdminError(f"{username} needs an authenticator code and none was given")
            step = location.removeprefix(self.base)
            fields = self.form(step, "two-factor-verify-form")
            fields = [(k, v) for k, v in fields if k != "otp_token"]
            fields.append(("otp_token", totp(otp_key)))
            status, body, location = self.request(step, fields)
            if status != 302:
                raise AdminError(f"second factor for {username} refused: {error_note(body)}")
            status, body, location = self.request("/admin/")
        if status != 200:
            raise AdminError(f"the admin index answered {status} ({location}) after login")

    def find_story(self, query: str) -> int:
        """The primary key of the first story the changelist search finds for `query`."""
        status, body, _ = self.request(
            "/admin/articles/article/?" + urllib.parse.urlencode({"q": query})
        )
        found = re.search(r"/admin/articles/article/(\d+)/change/", body)
        if status != 200 or not found:
            raise AdminError(f"story {query!r} not found in the admin (status {status})")
        return int(found.group(1))

    def story_form(self, pk: int) -> list[tuple[str, str]]:
        return self.form(f"/admin/articles/article/{pk}/change/", "article_form")

    def save_story(self, pk: int, fields: list[tuple[str, str]], **changes: str) -> Saved:
        """Post the story form back with `changes`, as the Save button does."""
        data = [(k, v) for k, v in fields if k not in changes]
        data += [*changes.items(), ("_save", "Save")]
        status, body, location = self.request(f"/admin/articles/article/{pk}/change/", data)
        if status == 302 and "/login/" not in location:
            return Saved(True, status, "")
        return Saved(False, status, error_note(body) or f"answered {status}")


def totp(key_hex: str, at: float | None = None, step: int = 30, digits: int = 6) -> str:
    """The authenticator app's code (RFC 6238, as django-otp's TOTPDevice checks it)."""
    counter = int((time.time() if at is None else at) // step)
    digest = hmac.new(bytes.fromhex(key_hex), struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    number = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(number % 10**digits).zfill(digits)


def field(fields: list[tuple[str, str]], name: str) -> str:
    return next((v for k, v in fields if k == name), "")


def error_note(body: str) -> str:
    """The admin's error messages on a refused form, as one line of text."""
    notes = re.findall(
        r'<(?:p|ul) class="(?:errornote|errorlist[^"]*)"[^>]*>(.*?)</(?:p|ul)>', body, re.S
    )
    notes += re.findall(r'<li class="(?:error|warning)">(.*?)</li>', body, re.S)
    text = " ".join(unescape(re.sub(r"<[^>]+>", " ", n)) for n in notes)
    return re.sub(r"\s+", " ", text).strip()
