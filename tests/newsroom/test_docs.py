"""The docs are true and in the repository: every variable settings reads is in the README's
table, and nothing tracked points at files that are not in the repository."""

import ast
import re
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
APPS = ("newsroom", "accounts", "public", "articles", "interviews")
# The ways our code reads a variable: os.environ.get / os.getenv / os.environ[...] and
# newsroom.env's helpers.
READERS = {"get", "getenv", "env_bool", "env_list"}


def environment_reads(path: Path) -> tuple[set[str], list[str]]:
    """The variable names a module reads, and the reads whose name is not written out."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names, unreadable = set(), []
    # The helpers themselves read the name they are given; their callers name it.
    in_helpers = {
        id(inner)
        for helper in ast.walk(tree)
        if isinstance(helper, ast.FunctionDef) and helper.name in {"env_bool", "env_list"}
        for inner in ast.walk(helper)
    }
    for node in ast.walk(tree):
        if id(node) in in_helpers:
            continue
        if isinstance(node, ast.Call):
            function = node.func
            if isinstance(function, ast.Attribute):
                # os.environ.get(...) or os.getenv(...), not some other object's get().
                owner = ast.unparse(function.value)
                if function.attr not in READERS or owner not in {"os.environ", "os", "environ"}:
                    continue
                if owner == "os" and function.attr != "getenv":
                    continue
            elif isinstance(function, ast.Name):
                if function.id not in {"env_bool", "env_list", "getenv"}:
                    continue
            else:
                continue
            argument = node.args[0] if node.args else None
        elif isinstance(node, ast.Subscript) and ast.unparse(node.value) in {"os.environ"}:
            if not isinstance(node.ctx, ast.Load):
                continue
            argument = node.slice
        else:
            continue
        if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
            names.add(argument.value)
        else:
            unreadable.append(f"{path.relative_to(REPO)}:{node.lineno}")
    return names, unreadable


def modules_of_the_apps() -> list[Path]:
    return sorted(
        path
        for app in APPS
        for path in (REPO / app).rglob("*.py")
        if "migrations" not in path.parts
    )


def variables_read() -> tuple[dict[str, set[str]], list[str]]:
    """Every variable the apps read, with the modules reading it; and the reads whose name the
    scan cannot see (a name held in a variable), which the README could not be checked for."""
    read: dict[str, set[str]] = {}
    unseen: list[str] = []
    for path in modules_of_the_apps():
        names, unreadable = environment_reads(path)
        unseen += unreadable
        for name in names:
            read.setdefault(name, set()).add(str(path.relative_to(REPO)))
    return read, unseen


def readme_environment_table() -> dict[str, str]:
    """The README's table of variables: each name in the first column, with its meaning."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    rows: dict[str, str] = {}
    in_table = False
    for line in text.splitlines():
        if re.fullmatch(r"\|\s*variable\s*\|\s*default\s*\|\s*meaning\s*\|", line.strip()):
            in_table = True
            continue
        if in_table and not line.startswith("|"):
            break
        if in_table and not line.startswith("| ---"):
            cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
            for name in re.findall(r"`([A-Z][A-Z0-9_]*)`", cells[0]):
                rows[name] = cells[-1] if len(cells) == 3 else ""
    return rows


def test_settings_reads_its_variables_through_modules_the_scan_covers():
    read, unseen = variables_read()
    assert unseen == [], "variables read under a name the scan cannot see"
    assert "newsroom/settings.py" in read["DEBUG"]
    assert "newsroom/env.py" in read["DATABASE_URL"]
    assert "newsroom/env.py" in read["AWS_STORAGE_BUCKET_NAME"]


@pytest.mark.parametrize("name", sorted(variables_read()[0]))
def test_every_variable_the_site_reads_is_in_the_readmes_table_with_its_meaning(name):
    table = readme_environment_table()
    assert name in table, f"{name} is read by the site but missing from the README's table"
    assert len(table[name]) > 3, f"{name} has no meaning in the README's table"


def test_the_scan_sees_each_way_of_reading_a_variable(tmp_path, monkeypatch):
    monkeypatch.setattr("tests.newsroom.test_docs.REPO", tmp_path)
    module = tmp_path / "settings.py"
    module.write_text(
        "import os\n"
        "A = os.environ.get('ONE', '1')\n"
        "B = os.getenv('TWO')\n"
        "C = os.environ['THREE']\n"
        "D = env_bool('FOUR', False)\n"
        "E = env_list('FIVE')\n"
        "F = os.environ.get(NAME)\n"
        "os.environ['SET'] = '1'\n"
        "G = {}.get('NOT_ONE')\n"
    )
    assert environment_reads(module) == ({"ONE", "TWO", "THREE", "FOUR", "FIVE"}, ["settings.py:7"])


# Files outside the repository that text once pointed at; spelled in pieces so that this test
# does not name them itself.
OUTSIDE = [
    "DESIGN" + ".md",
    "STORY_FORMAT" + ".md",
    "../" + "shared",
    "/work/" + "shared",
]


def tracked_text_files() -> list[Path]:
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout: no list of tracked files")
    paths = [REPO / name for name in listed.decode().split("\0") if name]
    texts = []
    for path in paths:
        if not path.is_file():
            continue
        head = path.read_bytes()[:4096]
        if b"\0" not in head:
            texts.append(path)
    return texts


def test_no_tracked_file_points_at_files_outside_the_repository():
    files = tracked_text_files()
    assert len(files) > 50
    cited = [
        f"{path.relative_to(REPO)}: {name}"
        for path in files
        for name in OUTSIDE
        if name.lower() in path.read_text(encoding="utf-8", errors="replace").lower()
    ]
    assert cited == []
