"""No stampede after a change: 200 readers at the home page the moment a new site version starts.

    python bench/stampede.py [--stories 2000] [--readers 200] [--cache-url redis://127.0.0.1:6379/11]

Seeds a throwaway SQLite database, starts the site under gunicorn (2 workers, production
settings, as load.py does) with a cache both workers share, warms the home page, and then, in
the same run:

- cached: `readers` concurrent requests for the warm home page;
- stampede: the site version is forgotten as every change through the door forgets it (an edit
  announces invalidate_public_pages()), and `readers` concurrent requests arrive at once.

It prints, for both, errors and latency percentiles, and the number of renders of the home page
that the stampede caused, read from the cache's render counter (PUBLIC_PAGE_COUNT_RENDERS=1,
set only here). The target: one render, zero errors, p99 under three times the cached p99.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))

from bench.load import Server, production_env  # noqa: E402


def manage(env: dict[str, str], *args: str) -> str:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def shell(env: dict[str, str], code: str) -> str:
    return manage(env, "shell", "-c", code).strip().splitlines()[-1] if code else ""


def burst(server: Server, path: str, readers: int) -> dict:
    """`readers` requests for `path`, released together; their statuses and times (ms)."""
    start = threading.Barrier(readers)

    def one(_: int) -> tuple[int, float]:
        start.wait()
        began = time.perf_counter()
        try:
            status = server.get(path)[0]
        except OSError:
            status = 0
        return status, (time.perf_counter() - began) * 1000

    with ThreadPoolExecutor(readers) as pool:
        results = list(pool.map(one, range(readers)))
    times = sorted(ms for _, ms in results)
    return {
        "errors": sum(1 for status, _ in results if status != 200),
        "p50_ms": times[len(times) // 2],
        "p99_ms": times[min(len(times) - 1, int(len(times) * 0.99))],
        "max_ms": times[-1],
    }


COUNT = "from public.caching import render_count; print(render_count())"
CHANGE = "from public.caching import invalidate_public_pages; invalidate_public_pages()"


def count(env: dict[str, str]) -> int:
    """Renders so far; -1 for code without the counter (a run of an older commit)."""
    try:
        return int(shell(env, COUNT))
    except subprocess.CalledProcessError:
        return -1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stories", type=int, default=2000)
    parser.add_argument("--readers", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3, help="Changes, one after another.")
    parser.add_argument("--cache-url", default="redis://127.0.0.1:6379/11")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="newsroom-stampede-"))
    try:
        env = production_env(f"sqlite:///{work / 'db.sqlite3'}", args.cache_url, work / "static")
        env["PUBLIC_PAGE_COUNT_RENDERS"] = "1"
        manage(env, "migrate", "--noinput")
        manage(env, "collectstatic", "--noinput")
        seed = ["--stories", str(args.stories), "--seed", "1", "--until", "2025-12-31"]
        subprocess.run(
            [sys.executable, str(BENCH / "seed.py"), *seed, "--no-progress", "--force"],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
        )
        shell(env, "from django.core.cache import cache; cache.clear()")
        with Server("newsroom.wsgi:application", ROOT, env, work / "gunicorn.log") as server:
            assert server.get("/")[0] == 200
            burst(server, "/", args.readers)  # both workers warm, every thread's connection made
            for round_ in range(1, args.rounds + 1):
                # Each round against the cached figure of the same moment: the machine is shared.
                cached = burst(server, "/", args.readers)
                print(f"cached    {args.readers} readers, round {round_}: {cached}")
                before = count(env)
                shell(env, CHANGE)
                stampede = burst(server, "/", args.readers)
                renders = count(env) - before
                ratio = stampede["p99_ms"] / cached["p99_ms"]
                print(
                    f"stampede  {args.readers} readers, round {round_}: {stampede}, "
                    f"renders {renders}, p99 / cached p99 {ratio:.2f}"
                )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    os.chdir(ROOT)
    main()
