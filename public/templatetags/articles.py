"""Template tags for public pages: pictures from renditions, JSON-LD, share links, snippets."""

import json
from urllib.parse import urlencode

from django import template
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.templatetags.static import static
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from articles.models import Article, Image
from articles.search import snippet_for
from articles.site_address import site_url
from articles.text import clean_values
from public import corrections
from public.body import has_embeds as body_has_embeds
from public.body import render_body
from public.renditions import renditions_for

from .bylines import authors_of, contributors_of, translators_of

register = template.Library()

# The same escapes as Django's json_script: nothing inside can close the <script> element.
_JSON_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


def absolute(path: str) -> str:
    return path if path.startswith(("http://", "https://")) else f"{site_url()}{path}"


@register.inclusion_tag("includes/picture.html")
def picture(
    image: Image | None,
    sizes: str = "100vw",
    css_class: str = "",
    eager: bool = False,
    shape: str | None = None,
):
    """{% picture image sizes="..." %}: <picture> with WebP and fallback srcsets, never the
    original upload, with width and height so the page does not jump as it loads. With
    shape="wide" (a name in articles.focal.SHAPES), cropped to it around the focal point."""
    return {
        "image": image,
        "set": renditions_for(image, shape),
        "sizes": sizes,
        "css_class": css_class,
        "eager": eager,
    }


@register.simple_tag
def image_url(image: Image | None, width: int = 1280, shape: str | None = None) -> str:
    """Absolute URL of one fallback rendition, for Open Graph and JSON-LD; '' without one.
    With a shape, of the crop to it around the focal point (social: 1.91:1, for og:image)."""
    found = renditions_for(image, shape)
    return absolute(found.default(width).url) if found else ""


def people_json_ld(people) -> list[dict]:
    return [
        {"@type": "Person", "name": person.name, "url": absolute(f"/contributors/{person.slug}/")}
        for person in people
    ]


@register.simple_tag
def news_article_json_ld(article: Article) -> SafeString:
    """schema.org NewsArticle for `article`, in a <script> that its text cannot break out of."""
    url = absolute(article.get_absolute_url())
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article.headline[:110],
        "description": article.dek,
        "url": url,
        "mainEntityOfPage": {"@type": "WebPage", "@id": url},
        "datePublished": article.published_at.isoformat() if article.published_at else None,
        "dateModified": modified_at(article).isoformat() if article.updated_at else None,
        "inLanguage": "en",
        # Each credit as what it is (articles/credits.py): writers are the authors, a
        # translator is the translator, a photographer or an editor a contributor.
        "author": people_json_ld(authors_of(article)),
        "translator": people_json_ld(translators_of(article)),
        "contributor": people_json_ld(contributors_of(article)),
        "publisher": {
            "@type": "Organization",
            "name": settings.SITE_NAME,
            "url": site_url() + "/",
            "logo": {"@type": "ImageObject", "url": absolute(static("favicon.svg"))},
        },
        "keywords": [tag.name for tag in article.tags.all()],
    }
    if article.section is not None:
        data["articleSection"] = article.section.name
    # The picture in the shapes search engines ask for (16:9 and square, each around the focal
    # point) and as it was taken.
    lead = [image_url(article.lead_image, shape=shape) for shape in ("wide", "square", None)]
    data["image"] = list(dict.fromkeys(url for url in lead if url))
    data = {key: value for key, value in data.items() if value not in (None, "", [])}
    # Cleaned (articles.text) for whatever is stored: json.dumps escapes control characters, but
    # a lone surrogate would make the page unencodable as UTF-8.
    data = clean_values(data)
    text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False).translate(
        _JSON_SCRIPT_ESCAPES
    )
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(text))


@register.simple_tag
def share_links(article: Article) -> list[tuple[str, str]]:
    """Plain share links (no scripts, no trackers): (label, href) pairs."""
    url = absolute(article.get_absolute_url())
    return [
        ("Email", "mailto:?" + urlencode({"subject": article.headline, "body": url})),
        ("X", "https://x.com/intent/post?" + urlencode({"text": article.headline, "url": url})),
        ("Facebook", "https://www.facebook.com/sharer/sharer.php?" + urlencode({"u": url})),
        ("WhatsApp", "https://wa.me/?" + urlencode({"text": f"{article.headline} {url}"})),
    ]


@register.simple_tag
def snippet(article: Article, query: str) -> SafeString:
    return snippet_for(article, query)


@register.simple_tag
def corrections_of(article: Article) -> list:
    """The story's public corrections, oldest first, once the Correction model exists."""
    related = getattr(article, "corrections", None)
    if related is None:
        return []
    return sorted(related.all(), key=lambda c: c.created_at)


@register.filter
def modified_at(article: Article):
    """{{ article|modified_at }}: when readers last saw it change, a correction included (one is
    added without saving the story)."""
    return corrections.updated_at(article)


@register.filter
def absolute_url(path: str) -> str:
    return absolute(path)


@register.simple_tag
def story_body(article: Article) -> SafeString:
    """{% story_body article %}: the body with its library pictures as renditions (one query
    for all of them, none without) and its embeds as links that load a player on request."""
    return render_body(article.body)


@register.filter
def has_embeds(body: str) -> bool:
    return body_has_embeds(body)
