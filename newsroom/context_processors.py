"""Values every public template may use."""

from django.conf import settings
from django.utils.functional import SimpleLazyObject


def site(request):
    return {"SITE_NAME": settings.SITE_NAME, "SITE_URL": settings.SITE_URL}


def sections(request):
    """The sections for the site's navigation: one query, and only on pages that show it."""
    from articles.models import Section

    return {"nav_sections": SimpleLazyObject(lambda: list(Section.objects.all()))}
