"""The newsroom's roles: groups of permissions, created on every database by a migration."""

from django.contrib.auth.models import Group, Permission

REPORTER, TRANSLATOR, EDITOR = "Reporter", "Translator", "Editor"

# "app_label.codename" of every permission each role holds. What a role may do to a particular
# story in a particular state is decided in articles/permissions.py; these only open the doors.
ROLE_PERMISSIONS: dict[str, list[str]] = {
    REPORTER: [
        "articles.add_article",
        "articles.change_article",
        "articles.view_article",
        "articles.submit_article",
        "articles.add_byline",
        "articles.change_byline",
        "articles.delete_byline",
        "articles.view_byline",
        "articles.add_contributor",
        "articles.view_contributor",
        "articles.add_image",
        "articles.view_image",
        "articles.view_section",
        "interviews.add_exchange",
        "interviews.change_exchange",
        "interviews.delete_exchange",
        "interviews.view_exchange",
        "interviews.add_interview",
        "interviews.change_interview",
        "interviews.view_interview",
        "taggit.add_tag",
        "taggit.view_tag",
    ],
    TRANSLATOR: [
        "articles.change_article",
        "articles.view_article",
        "articles.review_translation",
        "articles.view_byline",
        "articles.view_contributor",
        "articles.view_image",
        "articles.view_section",
        "interviews.change_exchange",
        "interviews.view_exchange",
        "interviews.view_interview",
        "taggit.view_tag",
    ],
    EDITOR: [
        *(
            f"articles.{action}_{model}"
            for model in ("article", "byline", "contributor", "image", "section")
            for action in ("add", "change", "delete", "view")
        ),
        *(
            f"interviews.{action}_{model}"
            for model in ("exchange", "interview")
            for action in ("add", "change", "delete", "view")
        ),
        *(f"taggit.{action}_tag" for action in ("add", "change", "delete", "view")),
        "articles.view_statuschange",
        "articles.submit_article",
        "articles.edit_any_article",
        "articles.approve_article",
        "articles.review_translation",
        "articles.publish_article",
        "articles.lift_embargo",
    ],
}


def sync_roles(
    group_model=Group,
    permission_model=Permission,
    *,
    using: str = "default",
    skip_missing: bool = False,
) -> None:
    """Create the role groups and give each exactly its permissions.

    Migrations pass skip_missing=True: a permission on a model that a later migration creates
    does not exist yet there, and the post_migrate hook (articles/apps.py) completes the set once
    every migration has run.
    """
    for role, names in ROLE_PERMISSIONS.items():
        group, _ = group_model.objects.using(using).get_or_create(name=role)
        wanted = []
        for name in names:
            app_label, codename = name.split(".")
            try:
                wanted.append(
                    permission_model.objects.using(using).get(
                        content_type__app_label=app_label, codename=codename
                    )
                )
            except permission_model.DoesNotExist:
                if not skip_missing:
                    raise
        group.permissions.set(wanted)
