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
import json
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path[:0] = [str(HERE), str(REPO)]

from adminclient import AdminError, AdminSession  # noqa: E402

OUTAGE_GRACE_SECONDS = 3.0  # after /healthz is 200 again, requests already in flight may fail


def read_env(path: Path) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)
    return {key: value for key, value in pairs}


@dataclass
class Sample:
    at: float
    who: str
    status: int  # 0: no answer (connection refused or reset, timeout)
    seconds: float
    what: str


@dataclass
class Results:
    samples: list[Sample] = field(default_factory=list)
    edits_acknowledged: list[tuple[int, str, float]] = field(default_factory=list)
    edits_refused: list[tuple[int, str]] = field(default_factory=list)
    edits_failed: int = 0
    moves_acknowledged: list[int] = field(default_factory=list)
    moves_failed: int = 0
    events: list[tuple[float, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, sample: Sample) -> None:
        with self.lock:
            self.samples.append(sample)

    def event(self, text: str) -> None:
        with self.lock:
            self.events.append((time.monotonic(), text))
        print(f"[soak {datetime.now():%H:%M:%S}] {text}", flush=True)


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


# Checks ---------------------------------------------------------------------------------------


def check_edits(results: Results, shared: list[int]) -> list[str]:
    """Every acknowledged save is a revision; a story's text is its newest acknowledged save.

    A story with one editor must end with that editor's last acknowledged text. On a shared
    story two acknowledgements may cross on the wire, so it must end with one of them, the one
    its newest revision holds.
    """
    from articles.models import Article

    problems = []
    acknowledged: dict[int, list[tuple[float, str]]] = {}
    for pk, dek, at in results.edits_acknowledged:
        acknowledged.setdefault(pk, []).append((at, dek))
        if not Article.history.filter(id=pk, dek=dek).exists():
            problems.append(f"acknowledged edit of story {pk} is in no revision: {dek!r}")
    for pk, saves in acknowledged.items():
        article = Article.objects.get(pk=pk)
        latest = Article.history.filter(id=pk).order_by("-history_date", "-history_id").first()
        if article.dek != latest.dek:
            problems.append(f"story {pk} says {article.dek!r}, its newest revision {latest.dek!r}")
        if pk in shared:
            if article.dek not in {dek for _, dek in saves}:
                problems.append(
                    f"shared story {pk} ends with no acknowledged text: {article.dek!r}"
                )
        elif article.dek != max(saves)[1]:
            problems.append(f"story {pk} lost its last acknowledged edit {max(saves)[1]!r}")
    return problems


def check_audit_trails(results: Results) -> tuple[list[str], int]:
    from articles.models import Article, StatusChange

    problems = []
    rows = 0
    for article in Article.objects.all():
        trail = list(StatusChange.objects.filter(article=article).order_by("changed_at", "pk"))
        rows += len(trail)
        expected_from = "draft"
        for change in trail:
            if change.from_status != expected_from:
                problems.append(
                    f"{article.slug}: move {change.pk} from {change.from_status}, "
                    f"but the story was {expected_from}"
                )
            expected_from = change.to_status
        if expected_from != article.status:
            problems.append(
                f"{article.slug}: trail ends at {expected_from}, story is {article.status}"
            )
    existing = set(
        StatusChange.objects.filter(pk__in=results.moves_acknowledged).values_list("pk", flat=True)
    )
    missing = set(results.moves_acknowledged) - existing
    if missing:
        problems.append(
            f"{len(missing)} acknowledged moves have no audit row: {sorted(missing)[:5]}"
        )
    return problems, rows


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
            try:
                connections.close_all()
            except Exception:
                pass
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


def report(options, results: Results, outage: tuple[float, float], plan_shared) -> int:
    start, end = outage
    samples = results.samples
    # A request belongs to the outage when its time overlaps the window at all.
    in_outage = [s for s in samples if s.at <= end and s.at + s.seconds >= start]
    outside = [s for s in samples if not (s.at <= end and s.at + s.seconds >= start)]
    errors_outside = [s for s in outside if s.status >= 500 or s.status == 0]
    five_hundreds = [s for s in samples if s.status == 500]
    reads = [s for s in samples if s.who.startswith("reader") and s.status == 200]
    latencies = sorted(s.seconds * 1000 for s in reads)
    edit_problems = check_edits(results, plan_shared)
    trail_problems, trail_rows = check_audit_trails(results)
    checks = {
        "no 5xx or dropped request outside the outage window": not errors_outside,
        "no 500 at all": not five_hundreds,
        "every acknowledged edit present": not edit_problems,
        "every audit trail consistent": not trail_problems,
        "edits were acknowledged and stories moved": bool(results.edits_acknowledged)
        and bool(results.moves_acknowledged),
    }
    statuses = Counter(s.status for s in samples)
    in_window = Counter(s.status for s in in_outage)
    figures = {
        "seconds": options.seconds,
        "readers": options.readers,
        "editors": options.editors,
        "movers": options.movers,
        "requests": len(samples),
        "statuses": dict(sorted(statuses.items())),
        "statuses_in_outage_window": dict(sorted(in_window.items())),
        "outage_window_seconds": round(end - start, 1),
        "reads_per_second": round(len(reads) / options.seconds, 1),
        "read_ms_p50": round(statistics.median(latencies), 1) if latencies else None,
        "read_ms_p95": round(latencies[int(0.95 * (len(latencies) - 1))], 1) if latencies else None,
        "edits_acknowledged": len(results.edits_acknowledged),
        "edits_refused_as_conflicts": len(results.edits_refused),
        "edits_failed": results.edits_failed,
        "moves_acknowledged": len(results.moves_acknowledged),
        "moves_failed": results.moves_failed,
        "audit_rows": trail_rows,
    }
    print(json.dumps(figures, indent=2))
    for problem in (edit_problems + trail_problems)[:20]:
        print("  problem:", problem)
    for sample in errors_outside[:10]:
        print(f"  outside the window: {sample.status} {sample.what} ({sample.who})")
    for name, passed in checks.items():
        print(f"  {'ok  ' if passed else 'FAIL'}  {name}")
    if options.report:
        write_report(options.report, figures, checks, results)
    return 0 if all(checks.values()) else 1


def write_report(target: Path, figures: dict, checks: dict, results: Results) -> None:
    refusals = Counter(
        re.sub(r"soak-editor-\d+", "another editor", message).split(" at ")[0][:90]
        for _, message in results.edits_refused
    )
    lines = [
        "## Soak",
        "",
        f"`python deploy/soak.py --seconds {figures['seconds']}` on "
        f"{datetime.now(tz=UTC):%Y-%m-%d %H:%M} UTC: nginx in front of two gunicorn app servers "
        "(2 sync workers each), a private PostgreSQL and Redis, all on loopback; "
        f"{figures['readers']} readers, {figures['editors']} editors saving through the admin, "
        f"{figures['movers']} workflow movers. One worker of app server A stopped at a third of "
        "the run, app server B reloaded (HUP) a little later, PostgreSQL restarted at half time.",
        "",
        "| figure | value |",
        "| --- | --- |",
    ]
    lines += [f"| {key.replace('_', ' ')} | {value} |" for key, value in figures.items()]
    lines += ["", "| check | result |", "| --- | --- |"]
    lines += [f"| {name} | {'pass' if ok else 'FAIL'} |" for name, ok in checks.items()]
    if refusals:
        lines += ["", "Edits refused (optimistic locking, as designed): " + "; ".join(
            f"{count} × “{text}”" for text, count in refusals.most_common(3))]  # fmt: skip
    section = "\n".join(lines) + "\n"
    if target.exists():
        text = target.read_text()
        if "\n## Soak\n" in text:  # replace the previous run's section, keep the rest
            head, _, tail = text.partition("\n## Soak\n")
            rest = tail.split("\n## ", 1)
            text = head + "\n" + section + ("\n## " + rest[1] if len(rest) > 1 else "")
        else:
            text = text.rstrip("\n") + "\n\n" + section
    else:
        text = "# Soak test\n\n" + section
    target.write_text(text)
    print(f"figures written to {target}")


if __name__ == "__main__":
    sys.exit(main())
