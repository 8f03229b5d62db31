"""What the importer (articles/importer.py) refuses or cleans: a malformed file, named by file
and line, with nothing written; encodings other than UTF-8; NUL and other control characters."""

import pytest

from articles.importer import StoryFormatError, clean_lines, import_story_file, import_story_text
from articles.models import Article, Contributor, Section
from interviews.models import Exchange
from interviews.parsing import ExchangeFormatError, paragraphs_from_lines, split_exchanges


def nothing_written() -> bool:
    return not (
        Article.objects.exists()
        or Exchange.objects.exists()
        or Contributor.objects.exists()
        or Section.objects.exists()
    )


MALFORMED = [
    pytest.param("", None, "empty", id="empty file"),
    pytest.param(
        "Dek: no headline here\nDate: 2020-01-01\n\nBody.\n", 1, "no Headline", id="no headline"
    ),
    pytest.param(
        "Headline: X\nDate: the other day\n\nBody.\n", 2, "unreadable date", id="bad date"
    ),
    pytest.param(
        "2 min read\n\nHeadline only\n\nA dek\n\nnot a date at all\n\nBody.\n",
        7,
        "expected the publication date",
        id="web page without a date",
    ),
    pytest.param(
        "Headline: X\n\nIntro.\n\nQ: Is this answered?\n",
        5,
        "has no answer",
        id="question without answer",
    ),
    pytest.param(
        "Headline: X\n\nQ: First?\n\nYes.\n\nQ: Second?\n\nQ: Third?\n\nNo.\n",
        7,
        "has no answer",
        id="question followed by question",
    ),
    pytest.param(
        "Headline: X\nColour: red\n\nBody.\n", 2, "unknown key “Colour”", id="unknown key"
    ),
    pytest.param(
        "Headline: X\nByline: Somebody (driver)\n\nBody.\n",
        2,
        "unknown role “driver”",
        id="unknown role",
    ),
    pytest.param("Headline: X\nKind: gossip\n\nBody.\n", 2, "unknown kind", id="unknown kind"),
    pytest.param(
        "Headline: X\nOriginal-Language: xx\n\nBody.\n",
        2,
        "unknown original language",
        id="unknown language",
    ),
    pytest.param("Headline: X\nSlug: Not A Slug!\n\nBody.\n", 2, "is not a slug", id="bad slug"),
    pytest.param("Headline: X\nHeadline: Y\n\nBody.\n", 2, "given twice", id="repeated key"),
    pytest.param(
        "Headline: X\nOriginal-Language: ar\n\nQ: One?\n\nYes.\n\n--- original ---\nعنوان\n\n"
        "س: واحد؟\n\nنعم.\n\nس: اثنان؟\n\nلا.\n",
        15,
        "must match",
        id="original with an extra exchange",
    ),
    pytest.param(
        "Headline: X\nOriginal-Language: ar\n\nQ: One?\n\nYes.\n\nQ: Two?\n\nNo.\n\n"
        "--- original ---\nعنوان\n\nس: واحد؟\n\nنعم.\n",
        12,
        "must match",
        id="original with a missing exchange",
    ),
    pytest.param(
        "Headline: X\n\nBody.\n\n--- original ---\nعنوان\n\nنص.\n",
        5,
        "needs an Original-Language",
        id="original without a language",
    ),
    pytest.param(
        "Headline: " + "x" * 301 + "\n\nBody.\n", 1, "limit is 300", id="headline too long"
    ),
    # PostgreSQL refuses a NUL in any text: it was a DataError traceback, naming no file or line.
    pytest.param(
        "Headline: X\nDek: Y\nSection: Syr\x00ia\n\nBody.\n",
        3,
        "contains a NUL character",
        id="NUL in a header",
    ),
    pytest.param(
        "Syria: a truce\n\n2015-10-04\n\nBody.\n\nQ: Why\x00?\n\nBecause.\n",
        7,
        "contains a NUL character",
        id="NUL in a question",
    ),
    pytest.param(
        "Headline: X\nOriginal-Language: ar\n\nQ: One?\n\nYes.\n\n--- original ---\nعنوان\n\n"
        "س: واحد؟\n\nنعم\x00.\n",
        13,
        "contains a NUL character",
        id="NUL in the original",
    ),
    # Exchange positions are smallints: past 32,767 PostgreSQL raised a DataError.
    pytest.param(
        "Headline: X\n\n" + "".join(f"Q: {n}?\n\nA: {n}.\n\n" for n in range(501)),
        3 + 4 * 500,
        "at most 500 questions and answers",
        id="one exchange too many",
    ),
    pytest.param(
        "Headline: X\n" + "".join(f"Byline: Person {n}\n" for n in range(101)) + "\nBody.\n",
        102,
        "a story credits at most 100",
        id="one byline too many",
    ),
    pytest.param(
        "Headline: X\nByline: " + "n" * 201 + "\n\nBody.\n", 2, "limit is 200", id="long name"
    ),
    pytest.param(
        "Headline: X\nTags: a, " + "t" * 101 + "\n\nBody.\n", 2, "limit is 100", id="long tag"
    ),
    pytest.param(
        "Headline: X\nInterviewee: A — " + "d" * 301 + "\n\nBody.\n",
        2,
        "limit is 300",
        id="long description",
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("text", "line", "message"), MALFORMED)
def test_a_malformed_file_is_refused_with_file_and_line_and_writes_nothing(
    text, line, message, editor
):
    with pytest.raises(StoryFormatError) as caught:
        import_story_text(text, filename="story.txt", by=editor)
    error = caught.value
    assert error.line == line
    assert message in error.message
    expected_prefix = f"story.txt, line {line}: " if line else "story.txt: "
    assert str(error).startswith(expected_prefix)
    assert nothing_written()


@pytest.mark.django_db
def test_a_file_that_is_not_utf8_is_refused_naming_the_line(tmp_path, editor):
    path = tmp_path / "latin1.txt"
    path.write_bytes("Headline: Café\n\nCaf\xe9 au lait.\n".encode("latin-1"))
    with pytest.raises(StoryFormatError) as caught:
        import_story_file(path, by=editor)
    assert caught.value.line == 1
    assert "not UTF-8" in str(caught.value)
    assert nothing_written()


@pytest.mark.django_db
def test_a_file_saved_as_utf16_is_refused_by_its_nul_characters(tmp_path, editor):
    path = tmp_path / "utf16.txt"
    path.write_bytes("Headline: X\n\nBody.\n".encode("utf-16-le"))
    with pytest.raises(StoryFormatError) as caught:
        import_story_file(path, by=editor)
    assert str(caught.value).startswith(f"{path}, line 1: contains a NUL character")
    assert "UTF-16" in str(caught.value)
    assert nothing_written()


@pytest.mark.django_db
def test_other_control_characters_in_a_file_are_removed_not_refused(editor):
    text = (
        "Headline: Rebels agree\vto truce\x07\r\n"
        "Dek: A truce\x1b holds\ufffe.\r\n"
        "Byline: Moutasem\x0cJamal (interviewer)\r\n"
        "Interviewee: Ammar\x08 al-Maydani — an activist\r\n"
        "Tags: Dam\x01ascus\r\n"
        "\r\n"
        "The intro\vwraps.\r\n"
        "\r\n"
        "Q: Why\x1e now?\r\n"
        "\x1b\r\n"
        "A: Because\x85[then].\r\n"
    )
    article = import_story_text(text, by=editor).article
    article.refresh_from_db()
    assert article.headline == "Rebels agree to truce"
    assert article.dek == "A truce holds."
    assert article.body == "<p>The intro wraps.</p>"
    assert list(article.tags.names()) == ["Damascus"]
    assert article.bylines.get().contributor.name == "Moutasem Jamal"
    assert article.interview.interviewee_name == "Ammar al-Maydani"
    exchange = article.exchanges.get()
    assert (exchange.question, exchange.answer) == ("Why  now?", "Because [then].")


# Lines are cleaned before the questions and answers are read (articles.importer.clean_lines).


def numbered(text: str) -> list[tuple[int, str]]:
    return list(enumerate(text.split("\n"), start=1))


def test_a_nul_in_copy_is_refused_naming_its_line():
    with pytest.raises(ExchangeFormatError) as caught:
        clean_lines(numbered("Intro\n\nQ: Why\x00?\n\nBecause."))
    assert caught.value.line == 3
    assert "NUL" in caught.value.message


def test_other_control_characters_in_copy_are_removed_and_a_soft_line_break_is_a_space():
    paragraphs = paragraphs_from_lines(
        clean_lines(numbered("Q: Why\vnow?\x07\n\x1b\nA: Be\x08cause."))
    )
    _, exchanges = split_exchanges(paragraphs)
    assert [(e.question, e.answer) for e in exchanges] == [("Why now?", ["Because."])]
