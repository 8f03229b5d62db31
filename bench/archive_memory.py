"""Peak memory and time of export_archive and import_archive on a large archive, on SQLite.

    python bench/archive_memory.py                           # 100,000 stories (seeding: ~10 min)
    python bench/archive_memory.py --stories 2000            # a quick run
    python bench/archive_memory.py --database /tmp/seeded.sqlite3   # reuse a seeded database
    python bench/archive_memory.py --code /path/to/checkout  # measure another checkout's code

Seeds a scratch SQLite database with `bench/seed.py` (or takes --database, a migrated
SQLite file already seeded; seeded stories have no pictures, so no media), exports it with
export_archive, migrates a second scratch database and restores the archive into it with
import_archive. The export and the import each run in a process of their own, which reports its
peak resident memory (getrusage's ru_maxrss), its time and the processor time it used; a third
process that only starts Django gives the baseline every process pays. Prints a table (and
--json writes the figures). Everything lives in a temporary folder (or --keep DIR), with DEBUG
off: the newsroom's own database and media are never touched.

--code runs the export and import of another checkout (an older release, say) against the same
seeded database; its import_archive must accept the archive its export_archive wrote.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
UNTIL = "2025-06-30"  # the last day of the seeded archive: every run seeds the same rows


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def environment(database: Path, media: Path) -> dict[str, str]:
    return dict(
        os.environ,
        DATABASE_URL=f"sqlite:///{database}",
        MEDIA_ROOT=str(media),
        DEBUG="0",
        SECRET_KEY="archive-memory-benchmark-only-" + "x" * 40,
        ALLOWED_HOSTS="localhost",
        LOG_LEVEL="WARNING",
    )


def manage(code: Path, env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=code, env=env, check=True)


def seed(code: Path, env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "bench/seed.py", *args], cwd=code, env=env, check=True)


def phase(code: Path, env: dict[str, str], name: str, archive: Path) -> dict:
    """Run one phase in a fresh process; returns its seconds and peak memory."""
    command = [sys.executable, __file__, "--phase", name, "--code", str(code), str(archive)]
    result = subprocess.run(command, env=env, check=True, capture_output=True, text=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def run_phase(name: str, code: Path, archive: Path) -> None:
    """In the child: start Django from `code`, do the one thing, print the figures as JSON."""
    sys.path.insert(0, str(code))
    os.chdir(code)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
    import django

    django.setup()
    from django.db import connection

    from articles.backups import export_archive, import_archive

    connection.ensure_connection()
    started = time.monotonic()
    rows = None
    if name == "export":
        rows = sum(export_archive(archive).counts.values())
    elif name == "import":
        rows = sum(import_archive(archive).counts.values())
    seconds = time.monotonic() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    figures = {
        "phase": name,
        "rows": rows,
        "seconds": seconds,
        # On a shared machine the processor time says more than the clock.
        "cpu_seconds": usage.ru_utime + usage.ru_stime,
        "peak_bytes": usage.ru_maxrss * 1024,  # kilobytes on Linux
    }
    print(json.dumps(figures))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stories", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database", type=Path, help="a migrated SQLite file, already seeded")
    parser.add_argument("--code", type=Path, default=REPO, help="the checkout to measure")
    parser.add_argument("--keep", type=Path, help="work in this folder and leave it behind")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--phase", choices=["baseline", "export", "import"], help=argparse.SUPPRESS)
    parser.add_argument("archive", nargs="?", type=Path, help=argparse.SUPPRESS)
    options = parser.parse_args()
    code = options.code.resolve()
    if options.phase:
        run_phase(options.phase, code, options.archive)
        return

    with tempfile.TemporaryDirectory(prefix="archive-memory-") as scratch:
        work = options.keep or Path(scratch)
        work.mkdir(parents=True, exist_ok=True)
        source = options.database or work / "source.sqlite3"
        source_env = environment(source.resolve(), work / "media-source")
        if options.database is None:
            source.unlink(missing_ok=True)
            log(f"Seeding {options.stories:,} stories into {source}")
            manage(REPO, source_env, "migrate", "--verbosity=0")
            started = time.monotonic()
            seed(
                REPO,
                source_env,
                f"--stories={options.stories}",
                f"--seed={options.seed}",
                f"--until={UNTIL}",
                "--no-progress",
                "--force",
            )
            log(f"  seeded in {time.monotonic() - started:,.0f} s")
        archive = work / "archive.zip"
        archive.unlink(missing_ok=True)
        target = work / "target.sqlite3"
        target.unlink(missing_ok=True)
        target_env = environment(target, work / "media-target")
        manage(code, target_env, "migrate", "--verbosity=0")

        figures = {"code": str(code)}
        log("Baseline (Django started, nothing done)")
        figures["baseline"] = phase(code, source_env, "baseline", archive)
        log("Export")
        figures["export"] = phase(code, source_env, "export", archive)
        figures["archive_bytes"] = archive.stat().st_size
        log("Import into a freshly migrated database")
        figures["import"] = phase(code, target_env, "import", archive)

    mib = 1024 * 1024
    print(f"{figures['export']['rows']:,} rows; archive {figures['archive_bytes'] / mib:,.1f} MiB")
    print("phase      seconds   CPU seconds   peak RSS (MiB)")
    for name in ("baseline", "export", "import"):
        figure = figures[name]
        print(
            f"{name:<9} {figure['seconds']:>8,.1f}   {figure['cpu_seconds']:>11,.1f}"
            f"   {figure['peak_bytes'] / mib:>14,.1f}"
        )
    if options.json:
        options.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
