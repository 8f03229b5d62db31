"""clean_text() and clean_values(): what text may hold once it is in the newsroom."""

import re
import xml.etree.ElementTree as ElementTree

from django.utils.xmlutils import SimplerXMLGenerator
from hypothesis import given, settings
from hypothesis import strategies as st

from articles.models import Article
from articles.text import clean_text, clean_values

# Every character XML 1.0 allows (its Char production).
XML_CHAR = re.compile("[\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]*")


def test_a_soft_line_break_becomes_a_newline_or_in_one_line_a_space():
    assert clean_text("Rebels agree\vto truce") == "Rebels agree\nto truce"
    assert clean_text("Rebels agree\vto truce", one_line=True) == "Rebels agree to truce"
    assert clean_text("page one\fpage two\x85three") == "page one\npage two\nthree"


def test_line_endings_become_newlines():
    assert clean_text("one\r\ntwo\rthree\n") == "one\ntwo\nthree\n"
    assert clean_text("one\r\ntwo", one_line=True) == "one two"


def test_tab_newline_and_every_script_are_kept():
    text = "Col\tumn\nالثوار وتنظيم الدولة \u200fيتفقون\u202e ok\u202c “quoted” 🕊 ]]> </script>"
    assert clean_text(text) == text


def test_other_controls_surrogates_and_noncharacters_are_removed():
    assert clean_text("a\x00b\x01c\x1fd\x7fe\x9ff") == "abcdef"
    assert clean_text("lone \ud800half\udfff") == "lone half"
    assert clean_text("not\ufffe for\uffff interchange") == "not for interchange"


@settings(settings.get_profile("stories"), max_examples=300)
@given(st.text(st.characters(exclude_categories=()), max_size=60), st.booleans())
def test_clean_text_is_xml_safe_encodable_and_changes_clean_text_no_more(text, one_line):
    clean = clean_text(text, one_line=one_line)
    assert XML_CHAR.fullmatch(clean)
    assert "\r" not in clean
    assert not one_line or "\n" not in clean
    clean.encode("utf-8")  # no lone surrogate left
    assert clean_text(clean, one_line=one_line) == clean
    ElementTree.fromstring(f"<t>{clean.replace('&', '&amp;').replace('<', '&lt;')}</t>")


def test_django_xml_writer_accepts_clean_text():
    import io

    writer = SimplerXMLGenerator(io.StringIO(), "utf-8")
    writer.characters(clean_text("".join(chr(n) for n in range(0x30))))


def test_clean_values_cleans_strings_and_lists_and_one_line_fields_as_one_line():
    values = {
        "headline": "A\vB",
        "dek": "A\vB",
        "tags": ["one\vtwo", "three\x00"],
        "published_at": None,
        "position": 3,
    }
    assert clean_values(values, model=Article) == {
        "headline": "A B",
        "dek": "A\nB",
        "tags": ["one two", "three"],
        "published_at": None,
        "position": 3,
    }
    assert clean_values({"headline": "A\vB"}) == {"headline": "A\nB"}
