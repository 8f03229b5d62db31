"""What a soak run records and what it finds: the samples and acknowledgements the workers
collect (Results), the checks made afterwards (every acknowledged edit kept, every audit
trail unbroken), and the figures printed and written as a "Soak" section (deploy/soak.py)."""

import json
import re
import statistics
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path


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
        print(f"[soak {datetime.now().astimezone():%H:%M:%S}] {text}", flush=True)


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


# The report -------------------------------------------------------------------------------------


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
