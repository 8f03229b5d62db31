"""The newsroom's desk in the Django admin, a module per concern: the story admin (stories), its
inlines, its list filters, the workflow and paste pages (desk), revisions (history), translation
review (review), the library, and the audit trails. Importing this package registers them all."""

from . import audit, library, stories  # noqa: F401  (each registers its ModelAdmins)
