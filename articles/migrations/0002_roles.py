"""Create the Reporter, Translator and Editor groups with their permissions.

The roles are written out here as they were when this migration was made, not imported from
articles/roles.py, so that the migration keeps doing what it did. The post_migrate hook
(articles/apps.py) brings the groups in line with today's roles after every migrate.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

# "app_label.codename" of every permission each role held.
ROLE_PERMISSIONS = {
    "Reporter": [
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
    "Translator": [
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
    "Editor": [
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
    ],
}


def create_roles(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    using = schema_editor.connection.alias
    # Permissions are normally made after all migrations; make them now so the groups can hold them.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, using=using)
        app_config.models_module = None
    for role, names in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.using(using).get_or_create(name=role)
        wanted = []
        for name in names:
            app_label, codename = name.split(".")
            # A permission on a model a later migration creates does not exist yet; the
            # post_migrate hook completes the set once every migration has run.
            wanted.extend(
                Permission.objects.using(using).filter(
                    content_type__app_label=app_label, codename=codename
                )
            )
        group.permissions.set(wanted)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.using(schema_editor.connection.alias).filter(
        name__in=list(ROLE_PERMISSIONS)
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0001_initial"),
        ("interviews", "0001_initial"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
