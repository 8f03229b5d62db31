"""The newsroom's desk in the Django admin, a module per concern: the story admin (stories), its
inlines, its list filters, the workflow and paste pages (desk), revisions (history), translation
review (review), the library, the audit trails, and marking reporters' notices read
(notices). Importing this package registers them all."""

from django.contrib import admin

from . import audit, library, stories  # noqa: F401  (each registers its ModelAdmins)

# The desk's own words on its home page, in place of Django's "Site administration".
admin.site.index_title = "Your desk"
