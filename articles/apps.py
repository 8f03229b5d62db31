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

    try:
        sync_roles(using=using)
    except Permission.DoesNotExist:
        pass


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = "Stories"

    def ready(self) -> None:
        post_migrate.connect(keep_roles_in_step, dispatch_uid="articles.keep_roles_in_step")
        # Connect the public page cache's invalidation in every process, management commands
        # included, not only in those that load the URLs.
        from . import caching  # noqa: F401
