"""The original-language editions: /ar/ and its like (README.md, "The original-language edition").

A language of settings.ORIGINAL_LANGUAGES with a published original (a story translated from it
whose original text readers can open) has an edition: a home page of those stories, a page per
section, a search of the original texts and a feed, all at /<code>/. Its pages are in that
language from <html lang dir> down: the stories' own words, the dates (Django's translations
under translation.override), and the site's furniture, from WORDS below where the newsroom has
written it, else in English and marked lang="en".

Only the codes in ORIGINAL_LANGUAGES are routed (language_code_pattern()), so /admin/, /api/
and the rest are never taken for an edition.
"""

import re
from dataclasses import dataclass, field

from django.conf import settings
from django.conf.locale import LANG_INFO
from django.db.models import Exists, OuterRef
from django.http import Http404

from articles.models import Article, Section, is_right_to_left

# The site's furniture, by key, in English; a language's own below replaces what it has.
ENGLISH = {
    "home": "Home",
    "skip": "Skip to main content",
    "search": "Search",
    "site_search": "Site search",
    "search_label": "Search the original texts",
    "search_placeholder": "Search",
    "latest": "Latest",
    "sections": "Sections",
    "interview": "Interview",
    "read_in_english": "Read in English",
    "english_site": "The English site",
    "results_for": "Results for “{query}”",
    "result_count": "Results: {count}, best first",
    "no_results": "Nothing matched “{query}”.",
    "page": "Page {number}",
    "page_of": "Page {number} of {total}",
    "pages": "Pages",
    "newer": "← Newer",
    "older": "Older →",
    "feed": "RSS feed",
    "atom_feed": "Atom feed",
    "feed_title": "{site}: the latest in {language}",
    "feed_description": (
        "The latest reporting and interviews from {site} in their original {language}."
    ),
    "original_of": "The original text of a story published in English on {date}:",
    "corrected": "Corrected {date}",
    "corrections": "Corrections",
}

# The newsroom's own translations. Arabic is the newsroom's first language after English.
WORDS: dict[str, dict[str, str]] = {
    "ar": {
        "home": "الرئيسية",
        "skip": "انتقل إلى المحتوى الرئيسي",
        "search": "بحث",
        "site_search": "البحث في الموقع",
        "search_label": "ابحث في النصوص الأصلية",
        "search_placeholder": "ابحث",
        "latest": "الأحدث",
        "sections": "الأقسام",
        "interview": "مقابلة",
        "read_in_english": "اقرأ بالإنكليزية",
        "english_site": "الموقع بالإنكليزية",
        "results_for": "نتائج البحث عن «{query}»",
        "result_count": "عدد النتائج: {count}، الأنسب أولاً",
        "no_results": "لا نتائج تطابق «{query}».",
        "page": "الصفحة {number}",
        "page_of": "الصفحة {number} من {total}",
        "pages": "الصفحات",
        # Right to left, "newer" is at the start of the line, on the right: its arrow points there.
        "newer": "→ الأحدث",
        "older": "الأقدم ←",
        "feed": "موجز RSS",
        "atom_feed": "موجز Atom",
        "feed_title": "{site}: أحدث ما نُشر بالعربية",
        "feed_description": "أحدث التقارير والمقابلات من {site} بلغتها العربية الأصلية.",
        "original_of": "النص الأصلي لقصة نُشرت بالإنكليزية في {date}:",
        "corrected": "صُحِّحت في {date}",
        "corrections": "تصحيحات",
    },
}


@dataclass(frozen=True)
class Edition:
    """One language's edition: its code, its names, its direction and its words."""

    code: str
    name: str
    name_local: str
    direction: str
    # The language the furniture is written in: `code` where WORDS has it, else "en".
    words_language: str
    words: dict[str, str] = field(hash=False, compare=False)

    @property
    def home_url(self) -> str:
        return f"/{self.code}/"

    @property
    def search_url(self) -> str:
        return f"/{self.code}/search/"

    @property
    def feed_url(self) -> str:
        return f"/{self.code}/feed.rss"

    @property
    def atom_feed_url(self) -> str:
        return f"/{self.code}/feed.atom"

    def section_url(self, section: Section) -> str:
        return f"/{self.code}/sections/{section.slug}/"

    @property
    def words_are_english(self) -> bool:
        return self.words_language != self.code

    def say(self, key: str, **values: object) -> str:
        return self.words[key].format(**values)


def edition_for(code: str) -> Edition | None:
    """The edition of `code` if it is one of ORIGINAL_LANGUAGES (whether or not it has stories
    yet); None otherwise."""
    if code not in settings.ORIGINAL_LANGUAGES:
        return None
    info = LANG_INFO.get(code, {})
    own = WORDS.get(code)
    return Edition(
        code=code,
        name=info.get("name", code),
        name_local=info.get("name_local", code),
        direction="rtl" if is_right_to_left(code) else "ltr",
        words_language=code if own else "en",
        words={**ENGLISH, **(own or {})},
    )


def offered(edition: Edition):
    """The stories of an edition: published, with an original text in its language."""
    return Article.objects.published().offered_in(edition.code)


def edition_sections(edition: Edition) -> list[Section]:
    """The sections with a story in the edition, for its navigation (one query)."""
    return list(
        Section.objects.filter(Exists(offered(edition).filter(section=OuterRef("pk")))).order_by(
            "name"
        )
    )


def open_edition(code: str) -> tuple[Edition, list[Section]]:
    """The edition of `code` and its sections, or 404 when it is no edition or has no published
    original: one query, or two when none of its stories has a section."""
    edition = edition_for(code)
    if edition is None:
        raise Http404("No such edition.")
    sections = edition_sections(edition)
    if not sections and not offered(edition).exists():
        raise Http404("No such edition.")
    return edition, sections


def language_code_pattern() -> str:
    """A regular expression matching the codes of ORIGINAL_LANGUAGES and nothing else."""
    codes = sorted(settings.ORIGINAL_LANGUAGES, key=len, reverse=True)
    return "|".join(re.escape(code) for code in codes) or r"(?!)"
