"""bench/REPORT.md and bench/scaling.png from the results of bench/run.py (bench/results.json)."""

from pathlib import Path

BENCH = Path(__file__).resolve().parent

# Issue 5, item 4: throughput ratios to the bare view, and worker memory.
LOAD_TARGETS = {
    "article, cache on (warm)": 0.60,
    "article, cache off": 0.15,
    "home, cache off": 0.10,
}
MEMORY_TARGET_MB = 150
GROWTH_LIMIT = 1.5


def _ms(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:.1f}" if value >= 1 else f"{value:.2f}"


def page_table(measure: dict, baseline: dict | None, largest: bool) -> list[str]:
    base = {row["page"]: row for row in (baseline or {}).get("pages", [])}
    lines = [
        "| page | URL | queries | cold median ms | cold p95 ms | cold min ms | warm median ms "
        "| target ms | vs 1,000 | verdict |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for row in measure["pages"]:
        url = f"`{row['url']}`" if row.get("url") else "–"
        if row["state"] != "ok":
            lines.append(f"| {row['page']} | {url} | | | | | | | | {row['state']} |")
            continue
        cold, warm, target = row["cold_ms"], row.get("warm_ms") or {}, row.get("target_ms")
        growth = None
        first = base.get(row["page"])
        if first and first.get("state") == "ok":
            # The fastest request is the figure least moved by other work on the machine.
            key = "min" if "min" in cold and "min" in first["cold_ms"] else "median"
            growth = cold[key] / first["cold_ms"][key]
        verdicts = []
        if largest and target is not None:
            verdicts.append("meets target" if cold["median"] < target else "**misses target**")
        if growth is not None and growth > GROWTH_LIMIT:
            verdicts.append(f"**grows {growth:.1f}x**")
        lines.append(
            f"| {row['page']} | {url} | {row['queries']} | {_ms(cold['median'])} "
            f"| {_ms(cold['p95']) if cold['n'] > 1 else '(1 request)'} | {_ms(cold.get('min'))} "
            f"| {_ms(warm.get('median'))} "
            f"| {target if target else '–'} "
            f"| {f'{growth:.2f}x' if growth else '–'} | {', '.join(verdicts) or 'ok'} |"
        )
    return lines


def load_table(load: dict) -> list[str]:
    if "skipped" in load:
        return [f"Load test skipped: {load['skipped']}."]
    lines = [
        f"wrk, 2 threads, {load['connections']} connections, {load['seconds']} s per run, "
        "against gunicorn with 2 sync workers on 127.0.0.1. Page sizes: "
        + ", ".join(f"{page} {size:,} bytes" for page, size in load["bytes"].items())
        + ".",
        "",
        "Each run of the site follows a run of the bare view serving the same bytes; the ratio "
        "is to that run.",
        "",
        "| scenario | req/s | p50 ms | p75 ms | p90 ms | p99 ms | errors | bare view req/s "
        "| ratio to bare view | target |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for run in load["runs"]:
        if "state" in run:
            lines.append(f"| {run['scenario']} | | | | | | | | | {run['state']} |")
            continue
        ratio = run.get("ratio_to_bare")
        goal = LOAD_TARGETS.get(run["scenario"])
        verdict = "–"
        if goal is not None and ratio is not None:
            verdict = f"≥ {goal:.0%}: " + ("met" if ratio >= goal else "**missed**")
        errors = run["errors"] if not run["errors"] else f"**{run['errors']}**"
        bare = f"{run['bare_rps']:,.0f}" if run.get("bare_rps") else "–"
        lines.append(
            f"| {run['scenario']} | {run['rps']:,.0f} | {_ms(run['p50_ms'])} "
            f"| {_ms(run['p75_ms'])} | {_ms(run['p90_ms'])} | {_ms(run['p99_ms'])} | {errors} "
            f"| {bare} | {f'{ratio:.0%}' if ratio is not None else '–'} | {verdict} |"
        )
    lines += ["", "Peak resident memory of a gunicorn worker (VmHWM):", ""]
    for server, mb in load["peak_worker_rss_mb"].items():
        if mb is None:
            lines.append(f"- {server}: not measured")
            continue
        verdict = (
            ""
            if server.startswith("bare")
            else (
                f" (target < {MEMORY_TARGET_MB} MB: {'met' if mb < MEMORY_TARGET_MB else 'missed'})"
            )
        )
        lines.append(f"- {server}: {mb:.0f} MB{verdict}")
    return lines


def explain_section(measure: dict) -> list[str]:
    lines = []
    for row in measure["pages"]:
        if row.get("state") != "ok" or not row.get("explain"):
            continue
        slowest = row["slowest_queries"][0]
        sql = slowest["sql"]
        if len(sql) > 1500:
            sql = sql[:1500] + " …"
        lines += [
            f"### {row['page']} ({row['queries']} queries; slowest {slowest['ms']:.1f} ms)",
            "",
            "```sql",
            sql,
            "```",
            "",
            "```",
            row["explain"],
            "```",
            "",
        ]
    return lines


TIMEOUT_MS = 60_000  # bench/measure.py cancels a query after this long


def plot(results: dict, path: Path) -> bool:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    sizes = sorted(int(size) for size in results["sizes"])
    series: dict[str, list[tuple[int, float]]] = {}
    timed_out: dict[str, list[int]] = {}
    for size in sizes:
        for row in results["sizes"][str(size)]["measure"]["pages"]:
            if row.get("state") == "ok":
                series.setdefault(row["page"], []).append((size, row["cold_ms"]["median"]))
            elif row.get("timed_out"):
                series.setdefault(row["page"], [])
                timed_out.setdefault(row["page"], []).append(size)
    groups = [
        ("Public pages", lambda p: not p.startswith(("admin", "translation", "search"))),
        ("Search and admin", lambda p: p.startswith(("admin", "translation", "search"))),
    ]
    colours = plt.get_cmap("tab20").colors
    markers = "os^vD<>pP*Xh"
    figure, axes = plt.subplots(1, 2, figsize=(14, 7))
    for axis, (title, wanted) in zip(axes, groups, strict=True):
        pages = [page for page in series if wanted(page)]
        for n, page in enumerate(pages):
            style = {"color": colours[n % len(colours)], "marker": markers[n % len(markers)]}
            if series[page]:
                xs, ys = zip(*series[page], strict=True)
                axis.plot(xs, ys, label=page, **style)
            if page in timed_out:
                axis.plot(
                    timed_out[page],
                    [TIMEOUT_MS] * len(timed_out[page]),
                    linestyle="none",
                    color=style["color"],
                    marker="x",
                    markersize=12,
                    label=f"{page}: over {TIMEOUT_MS // 1000} s, cancelled",
                )
        targets = sorted(
            {
                row["target_ms"]
                for size in sizes
                for row in results["sizes"][str(size)]["measure"]["pages"]
                if row.get("target_ms") and wanted(row["page"])
            }
        )
        for target in targets:
            axis.axhline(target, color="grey", linestyle=":", linewidth=1)
            axis.annotate(
                f"target {target} ms",
                (sizes[0], target),
                fontsize=7,
                color="grey",
                xytext=(2, 2),
                textcoords="offset points",
            )
        axis.set_xscale("log")
        axis.set_yscale("log")
        axis.set_xticks(sizes, [f"{size:,}" for size in sizes])
        axis.set_xlabel("published stories in the archive")
        axis.set_ylabel("median server-side time, ms (cache off)")
        axis.set_title(title)
        axis.grid(True, which="both", alpha=0.3)
        axis.legend(fontsize=7, loc="upper left")
    figure.suptitle(
        "Newsroom: time per page against archive size (PostgreSQL, Django test Client, cache off)"
    )
    figure.tight_layout()
    figure.savefig(path, dpi=90)
    plt.close(figure)
    return True


def write_report(results: dict, path: Path, plot_path: Path) -> None:
    sizes = sorted(int(size) for size in results["sizes"])
    machine = results["machine"]
    has_plot = plot(results, plot_path)
    lines = [
        "# Benchmark report",
        "",
        "Written by `bench/run.py`; the figures are those of the last run of each size. "
        "How to run it: [bench/README.md](README.md).",
        "",
        "## Machine and code",
        "",
        *(f"- {key}: {value}" for key, value in machine.items()),
        "",
        "Reproduce: `" + results["command"] + "`",
        "",
        "## Archive sizes and seeding",
        "",
        "| stories | seeded in | measured on | commit measured | load average (2 cores) |",
        "| ---: | ---: | --- | --- | --- |",
    ]
    for size in sizes:
        entry = results["sizes"][str(size)]
        seeded = entry.get("seed_seconds")
        lines.append(
            f"| {size:,} | {f'{seeded:.0f} s' if seeded else '–'} | {entry['measured_at']} "
            f"| {entry['commit']} | {entry.get('load_average', '–')} |"
        )
    lines += [
        "",
        "Seeding time is `bench/seed.py` alone (bulk inserts, search vectors per "
        "batch, then VACUUM ANALYZE), on an empty migrated database; sizes seeded before the "
        "search vectors existed took less.",
        "",
    ]
    if has_plot:
        lines += [f"![time per page against archive size]({plot_path.name})", ""]
    lines += [
        "## Time and queries per page",
        "",
        "Server-side time through Django's test Client in one process (middleware, view, "
        "queries, templates; no network), with production settings (DEBUG off) and a persistent "
        "database connection. *Cold*: cache disabled (`dummy://`), every request rendered. "
        "*Warm*: local-memory page cache, the page already cached. Targets (issue 5, item 4) "
        "apply at 100,000 stories to the cold median; *vs 1,000* compares the page with itself "
        f"at 1,000 stories (limit {GROWTH_LIMIT}x) on the fastest request (*cold min*), the "
        "figure least moved by other work on the machine (the median when there is no minimum).",
        "",
    ]
    baseline = results["sizes"].get(str(sizes[0]), {}).get("measure") if sizes else None
    for size in sizes:
        entry = results["sizes"][str(size)]
        lines += [f"### {size:,} stories", ""]
        lines += page_table(
            entry["measure"], baseline if size != sizes[0] else None, largest=size >= 100_000
        )
        lines.append("")
    lines += ["## Under load", ""]
    for size in sizes:
        load = results["sizes"][str(size)].get("load")
        if not load:
            continue
        when = results["sizes"][str(size)].get("load_measured_at")
        lines += [f"### {size:,} stories" + (f" (run of {when})" if when else ""), ""]
        lines += load_table(load)
        lines.append("")
    largest = str(sizes[-1]) if sizes else None
    if largest:
        lines += [
            f"## Slowest query of each page, with EXPLAIN ANALYZE ({int(largest):,} stories)",
            "",
        ]
        lines += explain_section(results["sizes"][largest]["measure"])
    findings = BENCH / "FINDINGS.md"
    if findings.exists():
        lines += [findings.read_text().strip(), ""]
    path.write_text("\n".join(lines).rstrip() + "\n")
