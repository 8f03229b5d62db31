"""Q/A copy into exchanges, and properties of the importer on any text at all."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from articles.importer import StoryFormatError, parse_story
from articles.text import clean_text
from interviews.parsing import (
    MAX_EXCHANGES,
    ExchangeFormatError,
    paragraphs_from_lines,
    split_exchanges,
)


def numbered(text: str) -> list[tuple[int, str]]:
    return list(enumerate(text.split("\n"), start=1))


def test_intro_exchanges_and_answer_paragraphs():
    paragraphs = paragraphs_from_lines(
        numbered(
            "Intro one.\n\nIntro two.\n\nQ: First?\n\nA: One.\n\nMore.\n\nQuestion: Second?\n\nTwo."
        )
    )
    intro, exchanges = split_exchanges(paragraphs)
    assert [p.text for p in intro] == ["Intro one.", "Intro two."]
    assert [(e.question, e.answer, e.line) for e in exchanges] == [
        ("First?", ["One.", "More."], 5),
        ("Second?", ["Two."], 11),
    ]


def test_only_the_first_answer_paragraph_loses_an_answer_marker():
    _, exchanges = split_exchanges(paragraphs_from_lines(numbered("Q: X?\n\nA: one\n\nA: two")))
    assert exchanges[0].answer == ["one", "A: two"]


def test_arabic_markers_are_read_in_the_original_only():
    text = "س: لماذا؟\n\nج: لأن.\n"
    _, exchanges = split_exchanges(
        paragraphs_from_lines(numbered(text), original=True), original=True
    )
    assert [(e.question, e.answer) for e in exchanges] == [("لماذا؟", ["لأن."])]
    intro, exchanges = split_exchanges(paragraphs_from_lines(numbered(text)))
    assert not exchanges
    assert len(intro) == 2


def test_a_bidi_mark_before_the_marker_does_not_hide_it():
    _, exchanges = split_exchanges(
        paragraphs_from_lines(numbered("\u200fس: سؤال؟\n\nجواب."), original=True), original=True
    )
    assert exchanges[0].question == "سؤال؟"


def test_a_question_past_the_limit_is_refused_naming_its_line():
    text = "\n\n".join(f"Q: {n}?\n\n{n}." for n in range(MAX_EXCHANGES + 1))
    with pytest.raises(ExchangeFormatError) as caught:
        split_exchanges(paragraphs_from_lines(numbered(text)))
    assert caught.value.line == 4 * MAX_EXCHANGES + 1
    assert f"at most {MAX_EXCHANGES}" in caught.value.message


def test_an_empty_question_is_an_error_naming_its_line():
    with pytest.raises(ExchangeFormatError) as caught:
        split_exchanges(paragraphs_from_lines(numbered("Intro\n\nQ:\n\nAnswer")))
    assert caught.value.line == 3


# Text made of the pieces story files are made of, so that the importer's edges get exercised.
story_pieces = st.lists(
    st.one_of(
        st.sampled_from(
            [
                "Q: Why?",
                "A: Because.",
                "Question:",
                "--- original ---",
                "Headline: H",
                "Byline: A (translator)",
                "Byline: B (pilot)",
                "Date: 2015-10-04",
                "Original-Language: ar",
                "س: لماذا؟",
                "ج: لأن",
                "4 October 2015",
                "",
                "Share this article!",
                "2 min read",
                "[inserted]",
                "Tags: a, b, ,",
                "Interviewee: X — y",
                "Slug: UPPER",
                "\ufeff",
                "\r",
                "Kind: interview",
            ]
        ),
        st.text(max_size=40),
    ),
    max_size=30,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(story_pieces)
def test_the_importer_either_parses_or_names_a_line_never_anything_else(pieces):
    text = "\n".join(pieces)
    try:
        story = parse_story(text, filename="fuzz.txt")
    except StoryFormatError as error:
        assert str(error).startswith("fuzz.txt")
        assert error.line is None or 1 <= error.line <= text.count("\n") + 1 + text.count("\r")
        return
    assert story.headline.strip()
    assert all(exchange.answer for exchange in story.exchanges)
    if story.has_original:
        assert len(story.source_exchanges) == len(story.exchanges)


plain_words = (
    st.text(
        alphabet=st.characters(whitelist_categories=("L", "N"), whitelist_characters=" ,.?"),
        min_size=1,
        max_size=30,
    )
    .map(str.strip)
    .filter(bool)
)


@settings(max_examples=150, deadline=None)
@given(
    headline=plain_words,
    intro=st.lists(plain_words, max_size=3),
    exchanges=st.lists(
        st.tuples(plain_words, st.lists(plain_words, min_size=1, max_size=3)), max_size=4
    ),
)
def test_a_story_written_in_the_format_reads_back_as_written(headline, intro, exchanges):
    body = [*intro]
    for question, answer in exchanges:
        body.append(f"Q: {question}")
        body.extend(answer)
    text = f"Headline: {headline}\nDate: 2015-10-04\n\n" + "\n\n".join(body) + "\n"
    # A paragraph that itself looks like a marker would be read as one; leave those out.
    if any(
        p.lower().startswith(("q:", "a:", "question:", "answer:"))
        for p in [*intro] + [a for _, ans in exchanges for a in ans]
    ):
        return
    story = parse_story(text)
    assert story.headline == headline
    assert story.intro == intro
    assert [(e.question, e.answer) for e in story.exchanges] == [(q, a) for q, a in exchanges]


controls = st.sampled_from(["\x00", "\x0b", "\x0c", "\x1b", "\x7f", "\x85", "\ufffe", "\r"])


@settings(settings.get_profile("stories"), max_examples=150)
@given(st.lists(st.one_of(story_pieces.map("\n".join), controls), max_size=8).map("".join))
def test_the_importer_names_the_line_of_a_nul_and_keeps_no_other_control_character(text):
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    nul_line = next((n for n, line in enumerate(lines, start=1) if "\x00" in line), None)
    try:
        story = parse_story(text, filename="fuzz.txt")
    except StoryFormatError as error:
        if nul_line is not None:
            assert (error.line, "NUL" in error.message) == (nul_line, True)
        return
    assert nul_line is None
    texts = [story.headline, story.dek, story.section, story.interviewee_name, *story.intro]
    texts += [byline.name for byline in story.bylines] + list(story.tags or [])
    for exchange in story.exchanges:
        texts += [exchange.question, *exchange.answer]
    for value in texts:
        assert clean_text(value, one_line=True) == value
