"""The newsroom's admin site: Django's, plus what only the admin needs on each of its requests.

It replaces Django's default site (NewsroomAdminConfig in accounts/apps.py), so `admin.site` and
every @admin.register mean this one. Django wraps every admin page in the site's admin_view():
the site's own pages, each ModelAdmin's, and the pages a ModelAdmin or a library adds in its
get_urls(). What this site adds there therefore covers a new admin page without anyone
remembering to decorate it, and readers' pages, which never reach an admin view, pay nothing
for it.

Two admin paths are not admin views, and get the same treatment on their own: the sign-in page
(login() below), which must answer people not yet signed in, and the two-factor steps, mounted
at /admin/2fa/ (accounts/two_factor.py).
"""

from functools import wraps

from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.contrib.contenttypes import views as contenttype_views
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.http import Http404
from django.urls import path
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from js_asset import Media as AssetMedia

from .security import end_idle_session, hand_known_browser_cookie
from .two_factor import step_owed

# The stylesheet Tiptap (inside django-prose-editor) inserts as a <style data-tiptap-style>
# element when an editor starts: ProseMirror's own rules (white-space: pre-wrap and the like),
# constant for a given django-prose-editor release. Allowing exactly this text by its hash is
# narrower than 'unsafe-inline'. After upgrading django-prose-editor, the browser test in
# tests/test_headers.py names the new hash if it changed.
PROSE_EDITOR_STYLE_HASH = "'sha256-PlumsSlvJ7vvWzjqibGAYKq92O3y/4JTxWWsWJvyUYA='"


def with_import_map_nonce(request, response):
    """Let the rich-text editor on this admin page run under the strict policy.

    django-prose-editor loads its modules through an inline ``<script type="importmap">``, which
    a policy without 'unsafe-inline' blocks unless the tag carries the nonce that django-csp puts
    in that response's header; and Tiptap inserts one fixed stylesheet, allowed by its hash.
    Pages without such media never ask for a nonce, so their policy stays plain
    ``script-src 'self'`` and ``style-src 'self'``.
    """
    context = getattr(response, "context_data", None)
    nonce = getattr(request, "csp_nonce", None)
    if not context or nonce is None:
        return response
    for key in ("media", "inline_admin_formsets_media"):
        media = context.get(key)
        if isinstance(media, AssetMedia) and media._importmap is not None:
            context[key] = media.with_nonce(str(nonce))
            response._csp_update = {"style-src": [PROSE_EDITOR_STYLE_HASH]}
    return response


class NewsroomAdminSite(admin.AdminSite):
    """Idle staff sessions end, the second factor comes first, "view on site" asks first."""

    def admin_view(self, view, cacheable=False):
        """Django's wrapper (active staff only, CSRF, not cached) around three steps of ours.

        1. A staff session idle for STAFF_IDLE_MINUTES, or older than SESSION_COOKIE_AGE, is
           signed out (accounts/security.py).
        2. Staff who owe a second factor are sent to it before the page answers, GET or POST,
           except to sign out (accounts/two_factor.py).
        3. A page with the rich-text editor gets the nonce its import map needs.
        """
        owes_second_factor_first = view != self.logout

        @wraps(view)
        def guarded(request, *args, **kwargs):
            refused = end_idle_session(request)
            if refused is None and owes_second_factor_first:
                refused = step_owed(request)
            if refused is not None:
                return refused
            return with_import_map_nonce(request, view(request, *args, **kwargs))

        return super().admin_view(guarded, cacheable)

    @method_decorator(never_cache)
    @login_not_required
    def login(self, request, extra_context=None):
        """The sign-in page, not an admin view since strangers must reach it.

        An idle session ends here too, and a browser that signs in is remembered for the sign-in
        throttling (accounts/security.py).
        """
        signed_out = end_idle_session(request)
        if signed_out is not None:
            return signed_out
        return hand_known_browser_cookie(request, super().login(request, extra_context))

    def get_urls(self):
        # Django's "view on site" shortcut, replaced by one that asks first (view_on_site below).
        return [
            path(
                "r/<path:content_type_id>/<path:object_id>/",
                self.admin_view(self.view_on_site),
                name="view_on_site",
            )
            if getattr(url, "name", None) == "view_on_site"
            else url
            for url in super().get_urls()
        ]

    def view_on_site(self, request, content_type_id, object_id):
        """Django's "view on site" redirect, for objects the person may open in the admin.

        Django's own redirects any staff member to any object's public address, and the address
        of a draft is its slug: often the headline in so many words. Here the object's ModelAdmin
        is asked first (articles/permissions.py for stories), and the answer is otherwise 404,
        the same as for an object that does not exist.
        """
        try:
            content_type = ContentType.objects.get_for_id(int(content_type_id))
            model = content_type.model_class()
            if model is None:  # a content type whose model is gone
                raise ObjectDoesNotExist
            obj = model._default_manager.get(pk=object_id)
        except (ValueError, TypeError, ValidationError, ObjectDoesNotExist):
            raise Http404("No such object.") from None
        model_admin = self._registry.get(model)
        if model_admin is None or not model_admin.has_view_permission(request, obj):
            raise Http404("No such object.")
        return contenttype_views.shortcut(request, content_type_id, object_id)
