"""Property tests on generated hostile input: the sanitizer lets through only its allow-list, and
hostile copy through the importer is refused by line or stored inert."""

import re
from html.parser import HTMLParser

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from articles.importer import StoryFormatError, parse_story, save_story
from articles.models import Article
from articles.sanitize import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, sanitize_html
from tests.hostile import HOSTILE, inspect

# Property tests: the sanitizer ----------------------------------------------------------------

TAG_NAMES = sorted(
    ALLOWED_TAGS
    | {
        "script",
        "style",
        "iframe",
        "img",
        "svg",
        "form",
        "input",
        "object",
        "math",
        "a",
        "div",
        "span",
        "table",
        "video",
    }
)
ATTRIBUTE_NAMES = [
    "href",
    "src",
    "onclick",
    "onerror",
    "style",
    "title",
    "class",
    "id",
    "formaction",
    "xlink:href",
    "target",
    "rel",
    "hreflang",
    "start",
    "cite",
]
URLS = st.sampled_from(
    [
        "javascript:alert(1)",
        " JaVaScRiPt:alert(1)",
        "java\tscript:alert(1)",
        "data:text/html,x",
        "vbscript:x",
        "https://example.org/",
        "http://example.org/",
        "mailto:a@b.example",
        "/relative",
        "#frag",
        "&#106;avascript:alert(1)",
        "//evil.example",
    ]
)
attribute = st.tuples(st.sampled_from(ATTRIBUTE_NAMES), st.one_of(URLS, st.text(max_size=20)))
element = st.recursive(
    st.text(max_size=30),
    lambda children: st.builds(
        lambda tag, attrs, inner: (
            f"<{tag}" + "".join(f' {n}="{v}"' for n, v in attrs) + f">{''.join(inner)}</{tag}>"
        ),
        st.sampled_from(TAG_NAMES),
        st.lists(attribute, max_size=3),
        st.lists(children, max_size=3),
    ),
    max_leaves=12,
)
html_soup = st.one_of(
    element,
    st.lists(st.one_of(element, st.sampled_from(list(HOSTILE.values()))), max_size=5).map("".join),
    st.text(),
)


class _Elements(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(html_soup)
def test_the_sanitizer_lets_through_only_the_allow_list(html):
    clean = sanitize_html(html)
    parser = _Elements()
    parser.feed(clean)
    for tag, attrs in parser.elements:
        assert tag in ALLOWED_TAGS, tag
        # nh3 also keeps its generic attributes, lang and title, on every element: plain text.
        allowed = ALLOWED_ATTRIBUTES.get(tag, set()) | {"lang", "title"}
        allowed |= {"rel"} if tag == "a" else set()
        assert set(attrs) <= allowed, (tag, attrs)
        if tag == "a":
            assert attrs.get("rel") == "noopener noreferrer"
            href = re.sub(r"[\s\x00-\x1f]", "", attrs.get("href") or "").lower()
            assert not href.startswith(("javascript:", "vbscript:", "data:"))
    assert inspect(clean).problems == []


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(html_soup)
def test_sanitizing_twice_changes_nothing_more(html):
    once = sanitize_html(html)
    assert sanitize_html(once) == once


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_text_without_markup_keeps_its_words(text):
    clean = sanitize_html(text)
    words = re.findall(r"\w+", text.replace("<", " ").replace("&", " "))
    assert all(word in clean for word in words[:5] if "<" not in text and "&" not in text)


# Property tests: the importer, with hostile copy ------------------------------------------------

hostile_line = st.one_of(
    st.sampled_from(list(HOSTILE.values())),
    st.sampled_from(
        [
            "Q: ",
            "A: ",
            "Headline: ",
            "Dek: ",
            "Byline: ",
            "Interviewee: ",
            "Tags: ",
            "Kind: interview",
            "--- original ---",
            "Slug: ",
            "Date: 2020-01-02",
        ]
    ).flatmap(lambda prefix: st.sampled_from(list(HOSTILE.values())).map(lambda p: prefix + p)),
    st.text(max_size=40),
)


@pytest.mark.django_db
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(st.lists(hostile_line, min_size=1, max_size=16))
def test_imported_hostile_copy_is_refused_by_line_or_stored_inert(editor, lines):
    text = "\n".join(lines)
    try:
        story = parse_story(text, filename="hostile.txt")
    except StoryFormatError as error:
        assert str(error).startswith("hostile.txt")
        return
    try:
        result = save_story(story, by=editor)
    except StoryFormatError:
        return
    article = Article.objects.get(pk=result.article.pk)
    assert inspect(article.body).problems == []
    assert "<script" not in article.body.lower()
    for exchange in article.exchanges.all():
        assert exchange.question
        assert exchange.answer
