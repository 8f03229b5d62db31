"""Values every public template may use."""

from django.conf import settings
from django.utils.functional import SimpleLazyObject


def site(request):
    from articles.site_address import site_url

    return {"SITE_NAME": settings.SITE_NAME, "SITE_URL": site_url()}


def sections(request):
    """The sections for the site's navigation: one query, and only on pages that show it."""
    from articles.models import Section

    return {"nav_sections": SimpleLazyObject(lambda: list(Section.objects.all()))}
