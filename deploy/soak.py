"""Soak test: readers and editors on the production stack for minutes, with faults injected.

    .venv/bin/python deploy/soak.py [--seconds 180] [--readers 8] [--editors 3] [--movers 2]

Starts the loopback stack of deploy/stack.sh on a private PostgreSQL server (never the machine's
own), then runs at once:
  readers  fetching public pages through nginx (plain urllib, one connection per request);
  editors  each signed in to the admin (password and authenticator code), saving stories with the
           form's optimistic-locking version, on stories of their own and on two they all share;
  movers   moving stories round the workflow (submit, approve, publish, withdraw, back to draft)
           through articles.workflow.transition(), as the admin's buttons and commands do.
A third of the way in one gunicorn worker of app server A is stopped (its master starts another);
a little later app server B reloads all its workers (HUP); at half time PostgreSQL is restarted.
Afterwards it checks that no request failed with a 5xx outside the outage window (and none with
a 500 at all), that every acknowledged edit is in the story's history and the newest is what the
story says now, and that every story's audit trail chains from/to without a gap and ends in its
status. Figures are printed; with --report FILE they are also written there as a "Soak" section
(replacing an earlier one). Nothing is written anywhere else: bench/ belongs to the benchmarks.
Exit status 0 when every check passed.
"""

import argparse
import contextlib
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path[:0] = [str(HERE), str(REPO)]

from adminclient import AdminError, AdminSession  # noqa: E402
from soak_report import Results, Sample, report  # noqa: E402

OUTAGE_GRACE_SECONDS = 3.0  # after /healthz is 200 again, requests already in flight may fail


def read_env(path: Path) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)
    return dict(pairs)


def fetch(url: str, timeout: float = 15) -> int:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return 0


# The stack ------------------------------------------------------------------------------------


class Stack:
    def __init__(self):
        self.dir = Path(tempfile.mkdtemp(prefix="newsroom-soak-"))
        self.env: dict[str, str] = {}
        self.app_env: dict[str, str] = {}

    def up(self) -> None:
        subprocess.run(
            ["bash", str(HERE / "stack.sh"), "up", str(self.dir), "--private-postgres"],
            check=True,
            timeout=400,
            env={**os.environ, "STACK_REDIS_DB": os.environ.get("STACK_REDIS_DB", "6")},
        )
        self.env = read_env(self.dir / "stack.env")
        self.app_env = read_env(self.dir / "app.env")

    def down(self) -> None:
        subprocess.run(
            ["bash", str(HERE / "stack.sh"), "down", str(self.dir)], timeout=180, check=False
        )
        subprocess.run(["rm", "-rf", str(self.dir)], timeout=60, check=False)

    @property
    def proxy(self) -> str:
        return f"http://127.0.0.1:{self.env['NGINX_PORT']}"

    def worker_pids(self, master: int) -> list[int]:
        children = Path(f"/proc/{master}/task/{master}/children")
        return [int(pid) for pid in children.read_text().split()] if children.exists() else []

    def restart_postgres(self) -> None:
        bin_dir = sorted(Path("/usr/lib/postgresql").glob("*/bin"))[-1]
        subprocess.run(
            [
                "runuser", "-u", "postgres", "--", str(bin_dir / "pg_ctl"),
                "-D", str(self.dir / "pg" / "data"), "-m", "fast", "-w", "-t", "60", "restart",
                "-o", f"-p {self.env['PG_PORT']} -k {self.dir / 'pg'} "
                "-c listen_addresses=127.0.0.1 -c max_connections=200",
            ],
            check=True, timeout=90, stdout=subprocess.DEVNULL,
        )  # fmt: skip


# The newsroom, seen from inside (the same database, through Django) -----------------------------


def setup_django(stack: Stack) -> None:
    os.environ.update(stack.app_env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "newsroom.settings"
    os.environ["LOG_FORMAT"] = "plain"
    # Workflow notices the movers cause are mail to nobody here; keep them out of the output.
    os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
    import django

    django.setup()


def prepare_newsroom(stack: Stack, editors: int, movers: int) -> dict:
    """Soak accounts (editors with an authenticator device) and the stories they work on."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from articles import workflow
    from articles.models import Article, Section
    from articles.roles import EDITOR

    section, _ = Section.objects.get_or_create(name="Soak")
    password = stack.env["DEMO_PASSWORD"]
    accounts = []
    for n in range(editors + movers):
        user, _ = get_user_model().objects.get_or_create(username=f"soak-editor-{n}")
        user.is_staff = True
        user.set_password(password)
        user.save()
        user.groups.set([Group.objects.get(name=EDITOR)])
        TOTPDevice.objects.update_or_create(
            user=user,
            name="Authenticator app",
            defaults={"key": stack.env["OTP_KEY"], "confirmed": True},
        )
        accounts.append(user)

    def story(slug: str, by) -> Article:
        return Article.objects.create(
            headline=f"Soak story {slug}",
            slug=slug,
            dek=f"First version of {slug}.",
            body="<p>Reported for the soak test.</p>",
            section=section,
            created_by=by,
        )

    def publish(article: Article, by) -> None:
        for step in ("submit", "approve", "publish"):
            workflow.transition(article, step, by=by, comment="soak set-up")

    plan: dict = {"editors": [], "shared": [], "movers": []}
    for n in range(editors):
        own = [story(f"soak-e{n}-{i}", accounts[n]) for i in range(3)]
        for article in own:
            publish(article, accounts[n])
        plan["editors"].append({"username": accounts[n].username, "stories": [a.pk for a in own]})
    for i in range(2):
        shared = story(f"soak-shared-{i}", accounts[0])
        publish(shared, accounts[0])
        plan["shared"].append(shared.pk)
    for n in range(movers):
        user = accounts[editors + n]
        mine = [story(f"soak-m{n}-{i}", user) for i in range(3)]
        plan["movers"].append({"user": user.pk, "stories": [a.pk for a in mine]})
    plan["slugs"] = list(
        Article.objects.filter(slug__startswith="soak-").values_list("slug", flat=True)
    )
    return plan


NEXT_STEP = {
    "draft": ("submit", ""),
    "editing": ("approve", ""),
    "approved": ("publish", ""),
    "published": ("withdraw", "Withdrawn by the soak test."),
    "withdrawn": ("back_to_draft", ""),
}


# The workers ----------------------------------------------------------------------------------


def reader(name: str, base: str, slugs: list[str], results: Results, stop: threading.Event):
    pages = ["/", "/sections/soak/", "/search/?q=soak", "/feeds/latest.rss", "/sitemap.xml"]
    pages += [f"/articles/{slug}/" for slug in slugs]
    rng = random.Random(name)
    while not stop.is_set():
        page = rng.choice(pages)
        started = time.monotonic()
        status = fetch(base + page)
        results.add(Sample(started, name, status, time.monotonic() - started, "GET " + page))
        if status >= 500 or status == 0:
            time.sleep(0.2)  # as a person would, rather than hammering a site that is down


def editor(
    name: str, base: str, password: str, otp_key: str, own: list[int], shared: list[int],
    results: Results, stop: threading.Event,
):  # fmt: skip
    rng = random.Random(name)
    session = None
    count = 0
    while not stop.is_set():
        started = time.monotonic()
        try:
            if session is None:
                session = AdminSession(base)
                session.login(name, password, otp_key)
            pk = rng.choice(shared) if rng.random() < 0.3 else rng.choice(own)
            fields = session.story_form(pk)
            count += 1
            dek = f"{name} edit {count} at {time.time():.3f}"
            saved = session.save_story(pk, fields, dek=dek)
        except (AdminError, OSError) as error:
            results.add(Sample(started, name, _status_of(error), time.monotonic() - started,
                               "edit"))  # fmt: skip
            with results.lock:
                results.edits_failed += 1
            if "login" in str(error) or "second factor" in str(error):
                session = None
            time.sleep(0.5)
            continue
        results.add(Sample(started, name, saved.status, time.monotonic() - started, "edit"))
        with results.lock:
            if saved.ok:
                results.edits_acknowledged.append((pk, dek, time.monotonic()))
            elif saved.status == 200:
                results.edits_refused.append((pk, saved.message))
            else:
                results.edits_failed += 1
        time.sleep(rng.uniform(0.05, 0.3))


def _status_of(error: Exception) -> int:
    text = str(error)
    for word in text.split():
        if word.isdigit() and len(word) == 3:
            return int(word)
    return 0


def mover(user_pk: int, stories: list[int], results: Results, stop: threading.Event):
    from django.contrib.auth import get_user_model
    from django.core.exceptions import PermissionDenied
    from django.db import DatabaseError, connection

    from articles import workflow
    from articles.models import Article

    user = None
    rng = random.Random(user_pk)
    while not stop.is_set():
        started = time.monotonic()
        try:
            if user is None:
                user = get_user_model().objects.get(pk=user_pk)
            article = Article.objects.get(pk=rng.choice(stories))
            step, comment = NEXT_STEP[article.status]
            change = workflow.transition(article, step, by=user, comment=comment)
        except DatabaseError:
            # Lost the database (the restart): this move may or may not have happened. The
            # next round reads the story's state again, and the audit check tells.
            connection.close()
            with results.lock:
                results.moves_failed += 1
            time.sleep(0.5)
            continue
        except (workflow.TransitionNotAllowed, PermissionDenied) as refusal:
            results.event(f"move refused: {refusal}")
            time.sleep(0.5)
            continue
        with results.lock:
            results.moves_acknowledged.append(change.pk)
        results.add(Sample(started, "mover", 200, time.monotonic() - started, "move " + step))
        time.sleep(rng.uniform(0.05, 0.2))
    connection.close()


# The run --------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=180, help="load time (default 180)")
    parser.add_argument("--readers", type=int, default=8)
    parser.add_argument("--editors", type=int, default=3)
    parser.add_argument("--movers", type=int, default=2)
    parser.add_argument(
        "--report", type=Path, help="also write the figures as a Markdown 'Soak' section here"
    )
    options = parser.parse_args()
    if os.geteuid() != 0:
        print("soak: needs root (nginx, and the private PostgreSQL run as the postgres user)")
        return 2

    stack = Stack()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    results = Results()
    try:
        stack.up()
        setup_django(stack)
        plan = prepare_newsroom(stack, options.editors, options.movers)
        results.event(f"stack up at {stack.proxy}; {len(plan['slugs'])} soak stories")
        outage = run_load(stack, plan, options, results)
        return report(options, results, outage, plan["shared"])
    finally:
        from django.db import connections

        if "django" in sys.modules and hasattr(connections, "close_all"):
            with contextlib.suppress(Exception):
                connections.close_all()
        stack.down()


def run_load(stack: Stack, plan: dict, options, results: Results) -> tuple[float, float]:
    stop = threading.Event()
    threads = [
        threading.Thread(
            target=reader, args=(f"reader-{n}", stack.proxy, plan["slugs"], results, stop)
        )
        for n in range(options.readers)
    ]
    for entry in plan["editors"]:
        threads.append(
            threading.Thread(
                target=editor,
                args=(
                    entry["username"], stack.proxy, stack.env["DEMO_PASSWORD"],
                    stack.env["OTP_KEY"], entry["stories"], plan["shared"], results, stop,
                ),
            )
        )  # fmt: skip
    for entry in plan["movers"]:
        threads.append(
            threading.Thread(target=mover, args=(entry["user"], entry["stories"], results, stop))
        )
    begin = time.monotonic()
    for thread in threads:
        thread.daemon = True
        thread.start()

    def at(fraction: float) -> None:
        time.sleep(max(0.0, begin + options.seconds * fraction - time.monotonic()))

    at(1 / 3)
    master_a = int(stack.env["APP_A_PID"])
    workers = stack.worker_pids(master_a)
    if workers:
        os.kill(workers[0], signal.SIGTERM)
        results.event(f"stopped gunicorn worker {workers[0]} of app server A (TERM)")
    at(0.4)
    os.kill(int(stack.env["APP_B_PID"]), signal.SIGHUP)
    results.event("app server B reloads its workers (HUP)")
    at(0.5)
    outage_start = time.monotonic()
    results.event("restarting PostgreSQL")
    stack.restart_postgres()
    deadline = time.monotonic() + 60
    while fetch(stack.proxy + "/healthz", timeout=5) != 200 and time.monotonic() < deadline:
        time.sleep(0.2)
    outage_end = time.monotonic() + OUTAGE_GRACE_SECONDS
    results.event(f"PostgreSQL back; outage window {outage_end - outage_start:.1f}s with grace")
    at(1.0)
    stop.set()
    for thread in threads:
        thread.join(timeout=30)
    from django.db import connection

    connection.close()
    return outage_start, outage_end


if __name__ == "__main__":
    sys.exit(main())
