"""The interview page: the sample story published faithfully, semantic Q/A, insertions, counts."""

from datetime import UTC, datetime

import pytest

from articles.models import Article, Byline
from interviews.models import Exchange, Interview
from tests.factories import (
    ArticleFactory,
    BylineFactory,
    ContributorFactory,
    ExchangeFactory,
    ImageFactory,
    InterviewArticleFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_page_cache")]

INTRO = (
    "<p>Rebel factions in the al-Qadam joint operations room agreed to a truce with the Islamic "
    "State this past Thursday, one month after IS fighters attacked from their south Damascus base "
    "in al-Hajar al-Aswad in an attempt to take control of the al-Qadam district.</p>"
    "<p>The text of the agreement, which circulated online Saturday, seeks to end the battles and "
    "IS’s blockade on al-Qadam by stipulating nonaggression, bilateral withdrawal and the "
    "establishment of an independent judicial body.</p>"
    "<p>“The majority have supported the agreement,” Ammar al-Maydani, a south Damascus media "
    "activist tells Moutasem Jamal, to end the violence and ease the blockade.</p>"
)
EXCHANGES = [
    (
        "Why has the conciliation agreement been reached at this time in particular?",
        "There are many reasons, including bloodshed, the regime siege of al-Qadam, the lack of "
        "medical supplies, and the shortage of ammunition and weapons on both sides because of the "
        "ring of regime blockades in the [south Damascus] area.",
    ),
    (
        "How do the people of al-Qadam view the agreement?",
        "The majority have supported the agreement [to stop] the shedding of their sons’ blood, "
        "and to break the dual blockade imposed on them by both IS and the regime.\n\n"
        "There are also those who opposed it, some of whose sons were killed by IS and others for "
        "personal reasons.",
    ),
    (
        "Some news sites reported a prisoner exchange between IS and the al-Qadam rebels several "
        "days ago, which was not mentioned in the text of the truce agreement published on "
        "Saturday. Did an exchange occur, and was it before or after the truce agreement?",
        "Yes, there was a bilateral prisoner exchange of four members of Ajnad a-Sham for one IS "
        "member during the negotiations as a goodwill gesture.\n\n"
        "[Since reaching the agreement,] both sides have taken the bodies of their dead, removed "
        "their checkpoints and roadblocks and begun to withdraw.",
    ),
    (
        "Do the rebels believe in this truce and trust IS, or do they fear that they may renege "
        "on the truce at any time?",
        "Things are different now. This is a complete agreement between both sides, and if "
        "anybody breached the truce then everybody would fight him, even those who have remained "
        "neutral.",
    ),
]

INS = '<ins class="insertion" title="Editorial insertion">'


def sample_interview(**kwargs) -> Article:
    """The sample story of seeds/000_c68b3d1e031f9ac4.txt, as the importer stores it."""
    article = ArticleFactory(
        headline="Rebels, IS agree to truce in south Damascus",
        slug="rebels-is-agree-to-truce-in-south-damascus",
        dek="Rebel factions in the al-Qadam joint operations room agreed to a truce with IS.",
        body=INTRO,
        kind=Article.Kind.INTERVIEW,
        status=Article.Status.PUBLISHED,
        published_at=datetime(2015, 10, 4, 12, tzinfo=UTC),
        original_language="ar",
        **kwargs,
    )
    Interview.objects.create(
        article=article,
        interviewee_name="Ammar al-Maydani",
        interviewee_description="a south Damascus media activist",
    )
    for position, (question, answer) in enumerate(EXCHANGES):
        Exchange.objects.create(
            article=article, position=position, question=question, answer=answer
        )
    BylineFactory(
        article=article,
        contributor=ContributorFactory(name="Moutasem Jamal"),
        role=Byline.Role.INTERVIEWER,
        position=0,
    )
    return article


def test_the_sample_interview_is_published_faithfully(client):
    article = sample_interview()
    article.tags.add("Syria", "Damascus")
    response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert '<h1 class="story__headline">Rebels, IS agree to truce in south Damascus</h1>' in html
    assert article.dek in html
    assert '<time datetime="2015-10-04T12:00:00+00:00">4 October 2015</time>' in html
    assert "2 min read" in html
    assert "Interview by" in html
    assert ">Moutasem Jamal</a>" in html
    assert 'class="interviewee__name">Ammar al-Maydani</span>' in html
    assert "a south Damascus media activist</span>" in html
    # The intro is the sanitized body, not escaped.
    assert "<p>Rebel factions in the al-Qadam joint operations room" in html
    # Four exchanges in a description list, each with its own anchor.
    assert html.count('<dt class="exchange__question">') == 4
    for number in range(1, 5):
        assert f'id="q{number}"' in html
        assert f'href="#q{number}"' in html
    assert html.count('<dd class="exchange__answer">') == 4
    # Two of the answers are two paragraphs long: 6 answer paragraphs in all.
    answers = html.split('<dl class="exchanges">')[1].split("</dl>")[0]
    assert answers.count("<p>") == 6
    # Bracketed insertions are marked as insertions, brackets kept.
    assert f"{INS}[Since reaching the agreement,]</ins>" in html
    assert f"{INS}[south Damascus]</ins>" in html
    assert ">Syria</a>" in html
    assert ">Damascus</a>" in html
    assert "Share this article" in html


def test_interview_copy_is_escaped_before_insertions_are_marked(client):
    article = InterviewArticleFactory(published=True)
    ExchangeFactory(
        article=article,
        question="<script>alert(1)</script> Why?",
        answer="He said [<img src=x onerror=alert(1)>] and left.",
    )
    html = client.get(article.get_absolute_url()).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Why?" in html
    assert "<img src=x" not in html
    assert "onerror" not in html
    # An answer may hold italics and links only: the picture is taken out, its brackets stay.
    assert "He said [] and left." in html


def test_translator_is_credited_with_the_original_language(client):
    article = sample_interview()
    BylineFactory(
        article=article,
        contributor=ContributorFactory(name="Alice Translator"),
        role=Byline.Role.TRANSLATOR,
        position=1,
    )
    html = client.get(article.get_absolute_url()).content.decode()
    assert "Translated from Arabic by" in html
    assert ">Alice Translator</a>" in html


def test_lead_image_is_shown_with_its_alt_text(client):
    article = sample_interview(lead_image=ImageFactory(alt_text="Fighters in al-Qadam"))
    html = client.get(article.get_absolute_url()).content.decode()
    assert 'alt="Fighters in al-Qadam"' in html


@pytest.mark.parametrize(
    "status",
    [s for s in Article.Status.values if s not in ("published", "scheduled", "withdrawn")],
)
def test_an_unpublished_interview_is_not_found(client, status):
    article = InterviewArticleFactory(status=status, exchange_count=2)
    assert client.get(article.get_absolute_url()).status_code == 404
