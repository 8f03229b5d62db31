"""Public story pages: thin views over ArticleQuerySet."""

from django.http import Http404
from django.shortcuts import render

from .models import Article


def article_detail(request, slug: str):
    """A published story. Any other state answers 404, so unpublished slugs cannot be found."""
    try:
        article = Article.objects.published().for_page().get(slug=slug)
    except Article.DoesNotExist:
        raise Http404("No such story.") from None
    template = "interviews/interview_detail.html" if article.is_interview else "articles/article_detail.html"
    return render(request, template, {"article": article})
