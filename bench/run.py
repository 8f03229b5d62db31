"""The benchmark: seed archives of 1,000, 10,000 and 100,000 stories in PostgreSQL, time every
page type and count its queries, load the article and home pages with wrk under gunicorn, and
write bench/REPORT.md and bench/scaling.png. See bench/README.md.

    python bench/run.py                       # all three sizes, with the load test
    python bench/run.py --sizes 1000          # a quick run
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import tarfile
import tempfile
import time
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path

import load
import psycopg
import report

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
RESULTS = BENCH / "results.json"
SERVER = "postgres://postgres@127.0.0.1:5432"
# The last day of every seeded archive; fixed, so that every run measures the same rows.
UNTIL = "2025-12-31"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def git(*args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.strip()


def snapshot(commit: str) -> Path:
    """The tree of `commit`, exported outside the checkout: what is measured is what is committed,
    not whatever the working tree holds while others edit it."""
    target = Path(tempfile.gettempdir()) / f"newsroom-bench-src-{commit[:12]}"
    if not (target / "manage.py").exists():
        archive = subprocess.run(
            ["git", "archive", "--format=tar", commit], cwd=REPO, capture_output=True, check=True
        ).stdout
        target.mkdir(parents=True, exist_ok=True)
        with tarfile.open(fileobj=BytesIO(archive)) as tar:
            tar.extractall(target, filter="data")
    return target


def collect_static(source: Path, commit: str) -> Path:
    """Hashed, compressed static files as production serves them (WhiteNoise's manifest)."""
    root = Path(tempfile.gettempdir()) / f"newsroom-bench-static-{commit[:12]}"
    env = dict(os.environ, DEBUG="0", SECRET_KEY="collectstatic-" + "x" * 50, STATIC_ROOT=str(root))
    env["ALLOWED_HOSTS"] = "127.0.0.1"  # the settings refuse DEBUG=0 without a host name
    env.pop("PLAIN_STATIC", None)
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity=0"],
        cwd=source,
        env=env,
        check=True,
    )
    return root


def admin_connection() -> psycopg.Connection:
    return psycopg.connect(f"{SERVER}/postgres", autocommit=True)


def database_exists(name: str) -> bool:
    with admin_connection() as connection:
        row = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
    return row is not None


def published_count(url: str) -> int | None:
    try:
        with psycopg.connect(url) as connection:
            row = connection.execute(
                "SELECT count(*) FROM articles_article WHERE status = 'published'"
            ).fetchone()
    except psycopg.Error:
        return None
    return row[0]


def recreate(name: str) -> None:
    assert name.startswith("newsroom_bench"), "the benchmark only touches its own databases"
    with admin_connection() as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def manage(source: Path, url: str, *args: str) -> None:
    env = dict(os.environ, DATABASE_URL=url, LOG_LEVEL="WARNING")
    subprocess.run([sys.executable, "manage.py", *args], cwd=source, env=env, check=True)


def prepare(size: int, source: Path, seed: int, fresh: bool, previous: dict) -> tuple[str, float]:
    """A migrated database holding exactly `size` seeded stories; returns its URL and the
    seconds seeding took (or the earlier figure when an existing database was reused)."""
    name = f"newsroom_bench_{size}"
    url = f"{SERVER}/{name}"
    if not fresh and database_exists(name) and published_count(url) == size:
        log(f"Reusing {name} ({size:,} stories); --fresh seeds it again.")
        manage(source, url, "migrate", "--verbosity=0")
        return url, previous.get("seed_seconds")
    log(f"Creating {name} and seeding {size:,} stories")
    recreate(name)
    manage(source, url, "migrate", "--verbosity=0")
    started = time.monotonic()
    env = dict(os.environ, DATABASE_URL=url, LOG_LEVEL="WARNING")
    seed_command = [sys.executable, str(source / "bench" / "seed.py"), f"--stories={size}"]
    seed_command += [f"--seed={seed}", f"--until={UNTIL}", "--force"]
    subprocess.run(seed_command, cwd=source, env=env, check=True)
    return url, time.monotonic() - started


def measure(source: Path, static: Path, url: str, repeats: int, budget: float) -> dict:
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        env = dict(os.environ, DATABASE_URL=url, BENCH_SOURCE=str(source), STATIC_ROOT=str(static))
        subprocess.run(
            [
                sys.executable,
                str(BENCH / "measure.py"),
                "--out",
                out.name,
                "--repeats",
                str(repeats),
                "--budget",
                str(budget),
                "--explain",
            ],
            env=env,
            check=True,
        )
        return json.loads(Path(out.name).read_text())


def load_paths(url: str, count: int) -> tuple[str, str, list[str]]:
    """The article measured under load (the newest story), home, and `count` story URLs."""
    with psycopg.connect(url) as connection:
        rows = connection.execute(
            "SELECT slug FROM articles_article WHERE status = 'published' AND kind <> 'interview' "
            "ORDER BY published_at DESC LIMIT %s",
            [count],
        ).fetchall()
    paths = [f"/articles/{slug}/" for (slug,) in rows]
    return paths[0], "/", paths


def machine() -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = "unknown"
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f"{kb / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    with admin_connection() as connection:
        postgres = connection.execute("SHOW server_version").fetchone()[0]
    import django

    return {
        "CPU": f"{cpu}, {os.cpu_count()} cores",
        "memory": memory,
        "OS": platform.platform(),
        "Python": platform.python_version(),
        "Django": django.get_version(),
        "PostgreSQL": f"{postgres} (default configuration, 127.0.0.1)",
        "load generator": "wrk, on the same 2 cores as the server",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description="Newsroom benchmark (see bench/README.md).")
    parser.add_argument(
        "--sizes", default="1000,10000,100000", help="Comma-separated story counts."
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--fresh", action="store_true", help="Seed again even if a database fits.")
    parser.add_argument("--repeats", type=int, default=30, help="Requests timed per page.")
    parser.add_argument("--budget", type=float, default=20.0, help="Seconds at most per page.")
    parser.add_argument("--no-load", action="store_true", help="Skip gunicorn and wrk.")
    parser.add_argument("--load-seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument(
        "--worktree",
        action="store_true",
        help="Measure the working tree as it is, instead of a snapshot of HEAD.",
    )
    parser.add_argument(
        "--report-only", action="store_true", help="Rewrite REPORT.md from results.json."
    )
    options = parser.parse_args()
    if options.report_only:
        report.write_report(
            json.loads(RESULTS.read_text()), BENCH / "REPORT.md", BENCH / "scaling.png"
        )
        return
    sizes = sorted(int(size.replace("_", "")) for size in options.sizes.split(","))

    commit = git("rev-parse", "HEAD")
    if options.worktree:
        source, described = REPO, f"{commit[:10]} + working tree"
    else:
        source, described = snapshot(commit), commit[:10]
    log(f"Measuring {described} from {source}")
    static = collect_static(source, commit if not options.worktree else "worktree")

    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {"sizes": {}}
    results["machine"] = machine()
    results["command"] = "python bench/run.py " + " ".join(sys.argv[1:])
    for size in sizes:
        previous = results["sizes"].get(str(size), {})
        url, seed_seconds = prepare(size, source, options.seed, options.fresh, previous)
        log(f"Timing pages at {size:,} stories")
        # Others' work on the same machine skews the figures: the report shows how busy it was.
        busy_before = os.getloadavg()[0]
        entry = {
            "seed_seconds": seed_seconds,
            "commit": described,
            "measured_at": datetime.now(tz=UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "measure": measure(source, static, url, options.repeats, options.budget),
        }
        if not options.no_load:
            log(f"Load test at {size:,} stories")
            article, home, rotating = load_paths(url, 2000)
            with tempfile.TemporaryDirectory() as logs:
                entry["load"] = load.run_load(
                    source=source,
                    static_root=static,
                    database_url=url,
                    article_path=article,
                    home_path=home,
                    rotating_paths=rotating,
                    seconds=options.load_seconds,
                    connections=options.connections,
                    log_dir=Path(logs),
                )
        entry["load_average"] = f"{busy_before:.1f} before, {os.getloadavg()[0]:.1f} after"
        if options.no_load and previous.get("load"):
            entry["load"] = previous["load"]  # from the run of previous["load_measured_at"]
            entry["load_measured_at"] = previous.get("load_measured_at", previous["measured_at"])
        elif "load" in entry:
            entry["load_measured_at"] = entry["measured_at"]
        results["sizes"][str(size)] = entry
        RESULTS.write_text(json.dumps(results, indent=1, default=str))
        report.write_report(results, BENCH / "REPORT.md", BENCH / "scaling.png")
        log(f"Wrote {BENCH / 'REPORT.md'}")


if __name__ == "__main__":
    main()
