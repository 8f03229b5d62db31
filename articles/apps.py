from contextlib import suppress

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def keep_roles_in_step(sender, using="default", **kwargs) -> None:
    """After every migrate (and test-database flush), give the role groups exactly their rights.

    The groups are first made by migration 0002_roles; this keeps them matching
    articles/roles.py when that changes, and restores them after a flush empties the tables.
    Permissions of apps not migrated yet are missing on early calls: a later call completes it.
    """
    from django.contrib.auth.models import Permission

    from .roles import sync_roles

    with suppress(Permission.DoesNotExist):
        sync_roles(using=using)


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = "Stories"

    def ready(self) -> None:
        # taggit slugs keep Unicode ("تعليم") and leave "!!!" with no slug at all; either breaks
        # {% url 'articles:tag' %} and answers 500 on every page that links the tag. Every tag
        # gets a readable ASCII slug instead, unique among tags (migration 0005 fixed old ones).
        from django.db.models.signals import pre_save
        from taggit.models import Tag

        from .slugs import slug_for, unique_slug

        def give_tag_an_ascii_slug(sender, instance, **kwargs) -> None:
            # A slug already in the shape slug_for() makes (taggit's "raqqa", or "raqqa_1",
            # its retry after a clash) is kept; anything else is made again from the name.
            # unique_slug checks the other tags, and if a concurrent save still takes the slug
            # first, taggit catches the IntegrityError and saves again, which comes back here.
            if instance.slug and instance.slug == slug_for(instance.slug, max_length=100):
                return
            readable = slug_for(instance.name, max_length=100, fallback="tag")
            instance.slug = unique_slug(Tag, readable, max_length=100, exclude_pk=instance.pk)

        pre_save.connect(
            give_tag_an_ascii_slug, sender=Tag, weak=False, dispatch_uid="articles.ascii_tag_slugs"
        )

        # The desk's words, not the library's name: taggit's tags are listed under "Tags".
        from django.apps import apps

        apps.get_app_config("taggit").verbose_name = "Tags"

        post_migrate.connect(keep_roles_in_step, dispatch_uid="articles.keep_roles_in_step")

        # A revision of a story keeps the tags the door saved it with.
        from simple_history.signals import pre_create_historical_record

        from .changes import keep_revision_tags

        pre_create_historical_record.connect(
            keep_revision_tags, dispatch_uid="articles.keep_revision_tags"
        )
