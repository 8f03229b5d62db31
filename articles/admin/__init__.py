"""The newsroom's desk in the Django admin, a module per concern: the story admin (stories), its
inlines, its list filters, the workflow and paste pages (desk), revisions (history), translation
review (review), the library, the audit trails, and reporters' notices (notices). Importing
this package registers them all."""

from . import audit, library, notices, stories  # noqa: F401  (each registers its ModelAdmins)
