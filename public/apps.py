from django.apps import AppConfig


class PublicConfig(AppConfig):
    """The readers' site: story pages, listings, search, feeds, sitemaps, the page cache and the
    picture renditions. No models: it reads what articles and interviews keep."""

    name = "public"
    verbose_name = "Public site"

    def ready(self) -> None:
        # A picture saved through the door has its renditions made by a background task.
        from articles.changes import picture_saved

        from .renditions import on_picture_saved

        picture_saved.connect(on_picture_saved, dispatch_uid="public.renditions.on_picture_saved")
