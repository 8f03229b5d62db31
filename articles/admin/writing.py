"""The story form's writing helpers: the body editor's picture and embed pickers, and turning a
pasted question/answer block into exchanges. They read and parse; none of them writes: what
they return goes into the form, which saves through the door like anything typed.
"""

import json

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect, JsonResponse
from django.urls import path

from interviews.parsing import ExchangeFormatError, paragraphs_from_lines, split_exchanges

from .. import body_media, permissions
from ..importer.story_file import clean_lines, numbered_lines
from ..models import Image
from .base import StoryAdminBase

PICKER_SIZE = 40
# A pasted block is an interview, not an archive: the form holds tens of questions.
PASTE_LIMIT = 200_000


class WritingViews(StoryAdminBase):
    """Mixed into ArticleAdmin: body-media/images/, body-media/image/<id>/, body-media/embed/
    and exchanges/parse/, each for someone who may add or change stories."""

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "body-media/images/",
                view(self.picture_choices_view),
                name="articles_article_picture_choices",
            ),
            path(
                "body-media/image/<int:pk>/",
                view(self.picture_view),
                name="articles_article_picture",
            ),
            path("body-media/embed/", view(self.embed_view), name="articles_article_embed"),
            path(
                "exchanges/parse/",
                view(self.parse_exchanges_view),
                name="articles_article_parse_exchanges",
            ),
            *super().get_urls(),
        ]

    def _require_writer(self, request):
        if not (self.has_add_permission(request) or self.has_change_permission(request)):
            raise PermissionDenied

    def _usable_pictures(self, request):
        return permissions.visible_images(Image.objects.all(), user=request.user)

    @staticmethod
    def _picture_label(image: Image) -> str:
        words = image.caption or image.alt_text
        words = words if len(words) <= 70 else words[:69].rstrip() + "…"
        return f"#{image.pk} {words}"

    def picture_choices_view(self, request):
        """The latest library pictures the person may use, or those matching ?q=."""
        self._require_writer(request)
        pictures = self._usable_pictures(request).order_by("-pk")
        query = request.GET.get("q", "").strip()[:200]
        if query:
            number = query.lstrip("#")
            matches = (
                Q(alt_text__icontains=query)
                | Q(caption__icontains=query)
                | Q(credit__icontains=query)
            )
            if number.isdigit():
                matches |= Q(pk=int(number))
            pictures = pictures.filter(matches)
        found = pictures.only("pk", "alt_text", "caption")[:PICKER_SIZE]
        return JsonResponse(
            {
                "images": [
                    {"id": image.pk, "label": self._picture_label(image), "alt": image.alt_text}
                    for image in found
                ]
            }
        )

    def picture_view(self, request, pk: int):
        """The picture itself, for the editor to show; 404 for one the person may not see."""
        self._require_writer(request)
        image = self._usable_pictures(request).filter(pk=pk).first()
        if image is None or not image.file:
            raise Http404("No such picture, or not one you may use.")
        return HttpResponseRedirect(image.file.url)

    def embed_view(self, request):
        """What a pasted address embeds: its provider, id and clean address; or why not."""
        self._require_writer(request)
        url = request.GET.get("url", "").strip()[:2000]
        embed = body_media.embed_for(url)
        if embed is None:
            names = ", ".join(p.name for p in body_media.PROVIDERS.values())
            return JsonResponse(
                {
                    "embed": None,
                    "error": f"This address cannot be embedded. Embeds come from {names}: "
                    "paste the address of the video, sound or post itself.",
                }
            )
        return JsonResponse(
            {"embed": {"provider": embed.provider.key, "item": embed.item, "url": embed.url}}
        )

    def parse_exchanges_view(self, request):
        """Pasted questions and answers (and their original, if given) as exchanges, by the
        importer's rules (docs/story-format.md); or the line that stops them."""
        self._require_writer(request)
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        try:
            data = json.loads(request.body or b"{}")
        except ValueError:
            data = {}
        english = str(data.get("text", ""))[:PASTE_LIMIT]
        original = str(data.get("original", ""))[:PASTE_LIMIT]
        try:
            intro, exchanges = _parse(english, original=False)
            source: list = []
            if original.strip():
                _, source = _parse(original, original=True)
                if len(source) != len(exchanges):
                    return JsonResponse(
                        {
                            "error": f"The original has {len(source)} question(s) but the "
                            f"English has {len(exchanges)}: they must match one for one."
                        },
                        status=400,
                    )
        except ExchangeFormatError as error:
            return JsonResponse({"error": f"Line {error.line}: {error.message}."}, status=400)
        if not exchanges:
            return JsonResponse(
                {"error": "No questions found: start each question with “Q:”."}, status=400
            )
        return JsonResponse(
            {
                "intro_paragraphs": len(intro),
                "exchanges": [
                    {
                        "question": e.question,
                        "answer": "\n\n".join(e.answer),
                        "question_original": source[i].question if source else "",
                        "answer_original": "\n\n".join(source[i].answer) if source else "",
                    }
                    for i, e in enumerate(exchanges)
                ],
            }
        )


def _parse(text: str, *, original: bool):
    lines = clean_lines(numbered_lines(text))
    return split_exchanges(paragraphs_from_lines(lines, original=original), original=original)
