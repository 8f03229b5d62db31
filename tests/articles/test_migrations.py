"""Upgrades: a populated database migrates forward without loss, and each data migration works.

The tests move the real test database between migration states with Django's MigrationExecutor
and write rows through the historical models of the older state, the way a database made by an
earlier release holds them. Whatever happens, the database is left at the latest state.
"""

import ast
import importlib
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from articles.apps import keep_roles_in_step
from articles.roles import ROLE_PERMISSIONS

FIRST = [("articles", "0001_initial"), ("interviews", "0001_initial")]
ROLES = [("articles", "0002_roles")]

ARABIC_HEADLINE = "اتفاق هدنة بين الفصائل وتنظيم الدولة في جنوب دمشق"
ARABIC_ANSWER = "منذ التوصل إلى الاتفاق، التزم الطرفان بوقف إطلاق النار [في البلدات الثلاث]."


def migrate_to(targets):
    """Move the database to `targets` and return the historical apps of that state."""
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps


def latest():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


@pytest.fixture
def at_latest_afterwards(transactional_db):
    """Whatever a test does to the schema, the next test finds it at the latest migrations."""
    yield
    migrate_to(latest())


def populate(apps) -> dict:
    """A small newsroom written with the models of the first migrations."""
    User = apps.get_model("auth", "User")
    Section = apps.get_model("articles", "Section")
    Contributor = apps.get_model("articles", "Contributor")
    Article = apps.get_model("articles", "Article")
    Byline = apps.get_model("articles", "Byline")
    StatusChange = apps.get_model("articles", "StatusChange")
    Interview = apps.get_model("interviews", "Interview")
    Exchange = apps.get_model("interviews", "Exchange")

    editor = User.objects.create(username="old-editor", is_staff=True)
    section = Section.objects.create(name="Syria", slug="syria", position=1)
    reporter = Contributor.objects.create(name="Moutasem Jamal", slug="moutasem-jamal")
    published_at = datetime(2017, 4, 20, 9, 30, tzinfo=UTC)
    article = Article.objects.create(
        headline="Rebels, IS agree to truce in south Damascus",
        slug="rebels-is-agree-to-truce-in-south-damascus",
        dek="A truce between rebels and IS in three towns.",
        body="<p>Intro paragraph.</p>",
        kind="interview",
        section=section,
        original_language="ar",
        source_headline=ARABIC_HEADLINE,
        status="published",
        published_at=published_at,
        created_by=editor,
        version=7,
    )
    draft = Article.objects.create(
        headline="A draft nobody has seen", slug="a-draft", status="draft", created_by=editor
    )
    Byline.objects.create(article=article, contributor=reporter, role="interviewer", position=0)
    for from_status, to_status in [
        ("draft", "editing"),
        ("editing", "approved"),
        ("approved", "published"),
    ]:
        StatusChange.objects.create(
            article=article,
            transition="move",
            from_status=from_status,
            to_status=to_status,
            changed_by=editor,
        )
    Interview.objects.create(
        article=article,
        interviewee_name="Ammar al-Maydani",
        interviewee_description="a south Damascus media activist",
    )
    Exchange.objects.create(
        article=article,
        position=0,
        question="What does the agreement say?",
        answer="[Since reaching the agreement,] both sides have held their fire.",
        answer_original=ARABIC_ANSWER,
    )
    return {"article": article.pk, "draft": draft.pk, "published_at": published_at}


def test_populated_database_migrates_from_the_first_migrations_to_the_latest_without_loss(
    at_latest_afterwards,
):
    old = populate(migrate_to(FIRST))

    migrate_to(latest())

    # Today's models, on the migrated rows.
    from articles.models import Article, Byline, Section, StatusChange
    from interviews.models import Exchange, Interview

    article = Article.objects.get(pk=old["article"])
    assert article.headline == "Rebels, IS agree to truce in south Damascus"
    assert article.source_headline == ARABIC_HEADLINE
    assert (article.status, article.published_at) == ("published", old["published_at"])
    assert article.version == 7
    assert article.section == Section.objects.get(slug="syria")
    assert article.created_by.username == "old-editor"
    assert Article.objects.get(pk=old["draft"]).status == "draft"
    assert list(Article.objects.published()) == [article]
    byline = Byline.objects.get(article=article)
    assert (byline.contributor.name, byline.role) == ("Moutasem Jamal", "interviewer")
    trail = StatusChange.objects.filter(article=article).order_by("pk")
    assert [(c.from_status, c.to_status) for c in trail] == [
        ("draft", "editing"),
        ("editing", "approved"),
        ("approved", "published"),
    ]
    assert Interview.objects.get(article=article).interviewee_name == "Ammar al-Maydani"
    exchange = Exchange.objects.get(article=article)
    assert exchange.answer_original.encode() == ARABIC_ANSWER.encode()
    assert exchange.answer.startswith("[Since reaching the agreement,]")
    # 0006 filled the stored search vectors of the stories already there (PostgreSQL searches
    # them; elsewhere the text itself): found by a word of its answer and its reporter's name.
    from articles.search import search_articles

    assert list(search_articles("fire Jamal")) == [article]
    # 0016 added the original-language text, and on SQLite filled the FTS5 index with it.
    assert list(search_articles("بوقف")) == [article]
    if connection.vendor == "postgresql":
        assert not Article.objects.filter(search_vector__isnull=True).exists()
    # The roles came with the upgrade.
    from django.contrib.auth.models import Group

    assert set(Group.objects.values_list("name", flat=True)) >= set(ROLE_PERMISSIONS)


def test_the_search_index_migration_reverses_and_fills_the_index_again(at_latest_afterwards):
    from articles.search import SEARCH_TABLE, index_rows, search_articles
    from tests.factories import ArticleFactory

    article = ArticleFactory(published=True, headline="Bakeries reopen in Daraa")
    migrate_to([("articles", "0015_sent_email")])
    if connection.vendor == "sqlite":
        assert SEARCH_TABLE not in connection.introspection.table_names()
    migrate_to(latest())
    assert list(search_articles("bakery")) == [article]
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT rowid, * FROM {SEARCH_TABLE}")
            assert cursor.fetchall() == index_rows([article.pk])


def test_roles_migration_creates_the_three_groups_with_exactly_their_permissions(
    at_latest_afterwards,
):
    apps = migrate_to(FIRST)
    Group = apps.get_model("auth", "Group")
    assert not Group.objects.filter(name__in=ROLE_PERMISSIONS).exists()

    apps = migrate_to(ROLES)

    # The migration's own frozen table: the roles as they were when it was made.
    frozen = importlib.import_module("articles.migrations.0002_roles").ROLE_PERMISSIONS
    Group = apps.get_model("auth", "Group")
    assert set(Group.objects.values_list("name", flat=True)) == set(ROLE_PERMISSIONS)
    assert held_permissions(Group) == {role: set(names) for role, names in frozen.items()}
    editor = set(ROLE_PERMISSIONS["Editor"])
    assert "articles.publish_article" in editor
    assert "articles.publish_article" not in ROLE_PERMISSIONS["Reporter"]

    # Today's roles, once every migration has run and the post_migrate hook has had its turn
    # (lifting an embargo early came after 0002: migration 0017 made the permission).
    migrate_to(latest())
    keep_roles_in_step(sender=None)
    from django.contrib.auth.models import Group as LiveGroup

    assert held_permissions(LiveGroup) == {
        role: set(names) for role, names in ROLE_PERMISSIONS.items()
    }
    assert "articles.lift_embargo" in ROLE_PERMISSIONS["Editor"]
    assert not any(
        "articles.lift_embargo" in ROLE_PERMISSIONS[r] for r in ("Reporter", "Translator")
    )


def held_permissions(Group) -> dict[str, set[str]]:
    return {
        role: {
            f"{app_label}.{codename}"
            for app_label, codename in Group.objects.get(name=role).permissions.values_list(
                "content_type__app_label", "codename"
            )
        }
        for role in ROLE_PERMISSIONS
    }


def test_roles_migration_reverses_and_reapplies_cleanly(at_latest_afterwards):
    migrate_to(ROLES)
    migrate_to(FIRST)
    Group = migrate_to(FIRST).get_model("auth", "Group")
    assert not Group.objects.filter(name__in=ROLE_PERMISSIONS).exists()
    Group = migrate_to(ROLES).get_model("auth", "Group")
    assert Group.objects.filter(name__in=ROLE_PERMISSIONS).count() == 3


# Our own packages: a migration that imports one runs today's code, not the code it was made with.
PROJECT_PACKAGES = {"newsroom", "accounts", "public", "articles", "interviews", "bench", "tests"}
REPO = Path(__file__).resolve().parents[2]


def project_imports_in_code(path: Path) -> list[str]:
    """Where a migration's own code (its functions, RunPython or not) reaches into our packages.

    Only the field declarations of `operations` may name our modules: Django's migration writer
    refers to a field's validators, upload_to and choices callables by their import path, and the
    autodetector compares them with the models', so those references must stay. Anything a
    migration runs (a backfill, a data fix) uses the historical models and a frozen copy of the
    logic it needs.
    """
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in (
            PROJECT_PACKAGES
        ):
            found.append(f"line {node.lineno}: from {node.module} import ...")
    for function in ast.walk(tree):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            continue
        for node in ast.walk(function):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            elif isinstance(node, ast.Name):
                names = [node.id]
            else:
                continue
            for name in names:
                if name.split(".")[0] in PROJECT_PACKAGES:
                    found.append(f"line {node.lineno}: {name}")
    return found


MIGRATION_FILES = sorted(
    path
    for package in ("newsroom", "accounts", "public", "articles", "interviews")
    for path in (REPO / package / "migrations").glob("*.py")
    if path.name != "__init__.py"
)


def test_there_are_migrations_to_scan():
    assert len(MIGRATION_FILES) >= 10


@pytest.mark.parametrize("path", MIGRATION_FILES, ids=lambda path: path.name)
def test_a_migration_runs_only_its_own_code_and_the_historical_models(path):
    assert project_imports_in_code(path) == []


def test_the_scan_sees_an_import_of_live_code_inside_a_migration_function(tmp_path):
    migration = tmp_path / "0099_backfill.py"
    migration.write_text(
        "from django.db import migrations\n"
        "import articles.images\n"
        "def backfill(apps, schema_editor):\n"
        "    from articles.search import document_vector\n"
        "    articles.images.stored_name\n"
    )
    assert project_imports_in_code(migration) == [
        "line 4: articles.search",
        "line 5: articles",
    ]
