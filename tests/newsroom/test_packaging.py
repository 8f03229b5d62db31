"""A wheel deploys: built from the checkout, installed into a fresh virtual environment and run
from a folder that is not the checkout, it checks, migrates, collects its static files, loads the
demo, serves its pages and has the story format's help, with nothing read from the source tree.

The fresh environment gets the project's dependencies by pointing at the ones this test runs with
(a .pth file), not by downloading them again; the project itself comes only from the wheel.
"""

import os
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def source_files() -> list[str]:
    """The files a clone would have: tracked ones and new ones not ignored."""
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=REPO,
            capture_output=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout: no list of the project's files to build from")
    return [name for name in listed.decode().split("\0") if name]


def copy_checkout(to: Path) -> Path:
    for name in source_files():
        source = REPO / name
        if source.is_symlink() or source.is_file():
            (to / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, to / name, follow_symlinks=False)
    return to


def build_wheel(source: Path, into: Path) -> Path:
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "-q", "-w", str(into)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    if result.returncode != 0 and (
        "No matching distribution" in result.stderr or "Could not find a version" in result.stderr
    ):
        pytest.skip(f"the build backend (setuptools) could not be fetched: {result.stderr[-300:]}")
    assert result.returncode == 0, result.stdout + result.stderr
    (wheel,) = into.glob("newsroom-*.whl")
    return wheel


def fresh_environment(at: Path) -> Path:
    """A virtual environment whose only project package is whatever is installed into it; the
    dependencies are this test's own (its site-packages named in a .pth file)."""
    venv.EnvBuilder(with_pip=False).create(at)
    python = at / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    ours = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    Path(purelib, "dependencies.pth").write_text("\n".join(sorted(ours)) + "\n")
    return python


def test_the_wheel_installs_the_apps_and_runs_outside_the_checkout(tmp_path):
    source = copy_checkout(tmp_path / "source")
    wheel = build_wheel(source, tmp_path / "dist")
    python = fresh_environment(tmp_path / "env")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "--no-deps",
            "-q",
            str(wheel),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    shutil.rmtree(source)  # nothing may come from the source tree
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "newsroom.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'site.sqlite3'}",
        "STATIC_ROOT": str(tmp_path / "staticfiles"),
        "MEDIA_ROOT": str(tmp_path / "media"),
    }

    def run(*args: str) -> str:
        result = subprocess.run(
            [str(python), *args], cwd=elsewhere, env=env, capture_output=True, text=True
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    installed = Path(run("-c", "import newsroom, articles; print(articles.__file__)").strip())
    assert installed.is_relative_to(tmp_path / "env"), installed
    assert "no issues" in run("-m", "django", "check")
    run("-m", "django", "migrate", "--no-input", "-v", "0")
    run("-m", "django", "collectstatic", "--no-input", "-v", "0")
    for name in ("css/site.css", "favicon.svg", "admin-extra/desk.css"):
        assert (tmp_path / "staticfiles" / name).is_file(), name
    # The demo stories are package data; the pages render from the packaged templates, the
    # admin's overrides included.
    run("-m", "django", "load_demo", "--password", "wheel-demo-pass-123")
    page = run(
        "-c",
        "import django; django.setup()\n"
        "from django.test import Client\n"
        "client = Client(HTTP_HOST='localhost')\n"
        "home = client.get('/')\n"
        "story = client.get('/articles/rebels-is-agree-to-truce-in-south-damascus/')\n"
        "login = client.get('/admin/login/')\n"
        "assert (home.status_code, story.status_code, login.status_code) == (200, 200, 200)\n"
        "print(home.content.decode(), story.content.decode(), login.content.decode())\n"
        "from articles.admin.desk import story_format_html\n"
        "print(story_format_html())\n",
    )
    assert "Rebels, IS agree to truce in south Damascus" in page
    assert "Newsroom desk" in page  # newsroom/templates/admin/base_site.html, not the admin's own
    assert "<h1>The story file format</h1>" in page  # the Paste copy page's help
