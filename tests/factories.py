"""One factory_boy factory per model. Sequences, not random choices: a failure repeats itself."""

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.utils import timezone
from factory.django import DjangoModelFactory

from articles.models import Article, Byline, Contributor, Image, Section
from interviews.models import Exchange, Interview

DEFAULT_PASSWORD = "correct horse battery staple"
# The affiliation of the contributor ArticleFactory credits when a test names no credits.
DEFAULT_CREDIT = "Staff (default credit of the test factories)"


def png_bytes(width: int = 8, height: int = 6, color: str = "teal") -> bytes:
    from io import BytesIO

    from PIL import Image as PillowImage

    buffer = BytesIO()
    PillowImage.new("RGB", (width, height), color).save(buffer, "PNG")
    return buffer.getvalue()


class UserFactory(DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@newsroom.test")
    is_staff = True
    password = factory.PostGenerationMethodCall("set_password", DEFAULT_PASSWORD)

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        """UserFactory(role="Editor") puts the user in that role's group."""
        if create and extracted:
            self.groups.add(Group.objects.get(name=extracted))
        if create:
            self.save()


class SectionFactory(DjangoModelFactory):
    class Meta:
        model = Section
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Section {n}")


class ImageFactory(DjangoModelFactory):
    class Meta:
        model = Image

    file = factory.LazyFunction(lambda: ContentFile(png_bytes(), name="picture.png"))
    alt_text = factory.Sequence(lambda n: f"A street in Daraa, picture {n}")
    caption = "Children walk past the reopened school."
    credit = "Newsroom photo"


class ContributorFactory(DjangoModelFactory):
    class Meta:
        model = Contributor

    name = factory.Sequence(lambda n: f"Contributor {n}")
    affiliation = "Reporter"


def refresh_search(article_id) -> None:
    """What the door does after every change: the story's stored search vector (PostgreSQL)."""
    from articles.search import refresh_search_vectors

    refresh_search_vectors([article_id])


class ArticleFactory(DjangoModelFactory):
    class Meta:
        model = Article
        skip_postgeneration_save = True

    headline = factory.Sequence(lambda n: f"Headline {n}")
    slug = factory.Sequence(lambda n: f"headline-{n}")
    dek = "A short standfirst."
    body = "<p>First paragraph.</p><p>Second paragraph.</p>"
    kind = Article.Kind.NEWS
    # Complete, as the checklist wants a story before it goes live (articles/checklist.py): a
    # section, a standfirst (above) and a byline (byline_count, one unless told otherwise).
    section = factory.LazyFunction(lambda: Section.objects.get_or_create(name="World")[0])

    class Params:  # a shortcut for test setup; application code goes through transition()
        published = factory.Trait(
            status=Article.Status.PUBLISHED,
            published_at=factory.LazyFunction(lambda: timezone.now() - timezone.timedelta(hours=1)),
        )

    @factory.post_generation
    def tags(self, create, extracted, **kwargs):
        if create and extracted:
            self.tags.add(*extracted)

    @factory.post_generation
    def byline_count(self, create, extracted, **kwargs):
        if not create:
            return
        if extracted is None:
            # The default credit, which a test's own BylineFactory rows replace (see there).
            contributor = ContributorFactory(affiliation=DEFAULT_CREDIT)
            Byline.objects.create(article=self, contributor=contributor, position=0)
            return
        for position in range(extracted):
            Byline.objects.create(article=self, contributor=ContributorFactory(), position=position)

    @factory.post_generation
    def search_vector(self, create, extracted, **kwargs):
        if create:
            refresh_search(self.pk)


class BylineFactory(DjangoModelFactory):
    class Meta:
        model = Byline
        skip_postgeneration_save = True

    article = factory.SubFactory(ArticleFactory)
    contributor = factory.SubFactory(ContributorFactory)
    role = Byline.Role.AUTHOR
    position = factory.Sequence(lambda n: n)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        # A test that credits people itself wants exactly those credits: the story's default
        # one goes.
        Byline.objects.filter(
            article=kwargs["article"], contributor__affiliation=DEFAULT_CREDIT
        ).delete()
        return super()._create(model_class, *args, **kwargs)

    @factory.post_generation
    def search_vector(self, create, extracted, **kwargs):
        if create:
            refresh_search(self.article_id)


class InterviewArticleFactory(ArticleFactory):
    kind = Article.Kind.INTERVIEW

    @factory.post_generation
    def interviewee(self, create, extracted, **kwargs):
        if create:
            Interview.objects.create(
                article=self,
                interviewee_name=extracted or "Ammar al-Maydani",
                interviewee_description="a south Damascus media activist",
            )

    @factory.post_generation
    def exchange_count(self, create, extracted, **kwargs):
        for position in range(extracted or 0):
            ExchangeFactory(article=self, position=position)


class InterviewFactory(DjangoModelFactory):
    class Meta:
        model = Interview

    article = factory.SubFactory(ArticleFactory, kind=Article.Kind.INTERVIEW)
    interviewee_name = "Ammar al-Maydani"
    interviewee_description = "a south Damascus media activist"


class ExchangeFactory(DjangoModelFactory):
    class Meta:
        model = Exchange
        skip_postgeneration_save = True

    article = factory.SubFactory(ArticleFactory, kind=Article.Kind.INTERVIEW)
    position = factory.Sequence(lambda n: n)
    question = factory.Sequence(lambda n: f"Question number {n}?")
    answer = "The first paragraph of the answer.\n\nA second paragraph [with an insertion]."

    @factory.post_generation
    def search_vector(self, create, extracted, **kwargs):
        if create:
            refresh_search(self.article_id)
