"""Under load: the site served by gunicorn (2 workers, production settings), driven by wrk.

Only ever against 127.0.0.1, each run bounded in time. The same pages are also served as fixed
bytes by a bare Django view (bare_wsgi.py), and the site's throughput is reported as a ratio to it.
"""

import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

BENCH = Path(__file__).resolve().parent
HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def production_env(database_url: str, cache_url: str, static_root: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PLAIN_STATIC", None)
    env.update(
        DATABASE_URL=database_url,
        CACHE_URL=cache_url,
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS=HOST,
        STATIC_ROOT=str(static_root),  # collected by run.py: hashed names, as in production
        # wrk speaks plain HTTP to 127.0.0.1; in production TLS ends at the proxy.
        SECURE_SSL_REDIRECT="0",
        CONN_MAX_AGE="60",
        LOG_LEVEL="WARNING",
    )
    return env


class Server:
    """gunicorn with 2 sync workers on a free loopback port; stopped on exit of the with block."""

    def __init__(self, app: str, cwd: Path, env: dict[str, str], log: Path):
        self.port = free_port()
        self.base = f"http://{HOST}:{self.port}"
        gunicorn = Path(sys.executable).with_name("gunicorn")
        self.command = [
            str(gunicorn),
            "--workers",
            "2",
            "--bind",
            f"{HOST}:{self.port}",
            "--access-logfile",
            "/dev/null",
            "--error-logfile",
            str(log),
            "--timeout",
            "60",
            "--chdir",
            str(cwd),
            app,
        ]
        self.env = env
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> "Server":
        self.process = subprocess.Popen(self.command, env=self.env, stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {' '.join(self.command)}")
            try:
                with socket.create_connection((HOST, self.port), timeout=0.5):
                    break
            except OSError:
                time.sleep(0.2)
        else:
            raise RuntimeError("gunicorn did not start within 30 s")
        return self

    def __exit__(self, *exc) -> None:
        assert self.process is not None
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def worker_pids(self) -> list[int]:
        assert self.process is not None
        pid = self.process.pid
        try:
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        except OSError:
            return []
        return [int(child) for child in children]

    def peak_worker_rss_mb(self) -> float | None:
        """The highest resident memory any worker reached (VmHWM), in MB."""
        peaks = []
        for pid in self.worker_pids():
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            match = re.search(r"^VmHWM:\s+(\d+) kB", status, re.M)
            if match:
                peaks.append(int(match.group(1)) / 1024)
        return max(peaks) if peaks else None

    def get(self, path: str, headers: dict[str, str] | None = None) -> tuple[int, bytes, dict]:
        request = urllib.request.Request(self.base + path, headers=headers or {})
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, response.read(), dict(response.headers)
        except urllib.error.HTTPError as error:
            return error.code, error.read(), dict(error.headers)


UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * UNITS[unit]


def wrk(
    url: str,
    *,
    seconds: int,
    connections: int,
    headers: dict[str, str] | None = None,
    paths: list[str] | None = None,
) -> dict:
    """One bounded wrk run; with `paths`, each request takes the next path in turn."""
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "--latency"]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    script = None
    if paths:
        # Closed before wrk runs, removed after it: wrk opens them by name.
        with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as listing:
            listing.write("\n".join(paths) + "\n")
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
            script.write(
                "local paths = {}\n"
                f'for line in io.lines("{listing.name}") do paths[#paths + 1] = line end\n'
                "local i = math.random(#paths)\n"
                "request = function()\n"
                "  i = i % #paths + 1\n"
                '  return wrk.format("GET", paths[i])\n'
                "end\n"
            )
        command += ["-s", script.name]
    command.append(url)
    output = subprocess.run(
        command, capture_output=True, text=True, timeout=seconds + 30, check=True
    ).stdout
    if script:
        os.unlink(script.name)
        os.unlink(listing.name)
    return parse_wrk(output)


def parse_wrk(output: str) -> dict:
    result: dict = {"raw": output}
    match = re.search(r"Requests/sec:\s+([\d.]+)", output)
    result["rps"] = float(match.group(1)) if match else 0.0
    match = re.search(r"(\d+) requests in", output)
    result["requests"] = int(match.group(1)) if match else 0
    for percent in ("50", "75", "90", "99"):
        match = re.search(rf"^\s+{percent}%\s+([\d.]+(?:us|ms|s|m))\s*$", output, re.M)
        result[f"p{percent}_ms"] = _ms(match.group(1)) if match else None
    errors = 0
    match = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    if match:
        errors += sum(int(n) for n in match.groups())
    match = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if match:
        errors += int(match.group(1))
    result["errors"] = errors
    return result


def fetch_bodies(source: Path, env: dict[str, str], paths: dict[str, str], log: Path) -> dict:
    """The bytes of each page as the site serves them (None for a page that is not there)."""
    with Server("newsroom.wsgi:application", source, env, log) as server:
        bodies = {}
        for page, path in paths.items():
            status, body, _ = server.get(path)
            bodies[page] = body if status == 200 else None
        return bodies


def run_load(
    *,
    source: Path,
    static_root: Path,
    database_url: str,
    article_path: str,
    home_path: str,
    rotating_paths: list[str],
    seconds: int,
    connections: int,
    log_dir: Path,
) -> dict:
    """Every load scenario for one archive size; pages missing from the site are marked so.

    Each run of the site is paired with a run of the bare view right before it, and its ratio
    is taken to that run: other work on the machine then weighs on both alike.
    """
    if shutil.which("wrk") is None:
        return {"skipped": "wrk is not installed (apt-get install -y wrk)"}
    runs: list[dict] = []
    memory: dict[str, float | None] = {}
    paths = {"article": article_path, "home": home_path}
    bodies = fetch_bodies(
        source, production_env(database_url, "db://", static_root), paths,
        log_dir / "bodies.log",
    )  # fmt: skip

    def drive(site: Server, bare: Server, label: str, page: str, cache: str, **how) -> None:
        floor = wrk(f"{bare.base}/{page}", seconds=seconds, connections=connections)
        if how.get("paths"):
            result = wrk(site.base + "/", seconds=seconds, connections=connections, **how)
        else:
            result = wrk(site.base + paths[page], seconds=seconds, connections=connections, **how)
        result.pop("raw", None)
        runs.append(
            {
                "scenario": label,
                "page": page,
                "cache": cache,
                **result,
                "bare_rps": floor["rps"],
                "ratio_to_bare": result["rps"] / floor["rps"] if floor["rps"] else None,
            }
        )
        print(
            f"    {label}: {result['rps']:.0f} req/s (bare {floor['rps']:.0f}), "
            f"p50 {result['p50_ms']} ms, errors {result['errors']}",
            file=sys.stderr,
            flush=True,
        )

    with tempfile.TemporaryDirectory() as bare_dir:
        for page, body in bodies.items():
            if body is not None:
                Path(bare_dir, f"{page}.html").write_bytes(body)
        bare_env = dict(os.environ, BENCH_BARE_DIR=bare_dir)
        with Server("bare_wsgi:application", BENCH, bare_env, log_dir / "bare.log") as bare:
            # The page cache on (the default with DEBUG off: the database's cache table, which
            # the workers share; local memory, one cache per worker, is refused), then off.
            for cache_url, cache in (("db://", "on"), ("dummy://", "off")):
                env = production_env(database_url, cache_url, static_root)
                log = log_dir / f"site-{cache}.log"
                with Server("newsroom.wsgi:application", source, env, log) as site:
                    for page in ("article", "home"):
                        if bodies.get(page) is None:
                            runs.append({"scenario": f"{page}, cache {cache}", "page": page,
                                         "cache": cache, "state": "not built yet"})  # fmt: skip
                            continue
                        for _ in range(2):  # the first stores the page, the second reads it
                            site.get(paths[page])
                        warm = " (warm)" if cache == "on" else ""
                        drive(site, bare, f"{page}, cache {cache}{warm}", page, cache)
                    if cache == "on" and bodies.get("article") is not None:
                        etag = site.get(article_path)[2].get("ETag")
                        if etag:
                            drive(site, bare, "article, repeat visit (If-None-Match, 304)",
                                  "article", cache, headers={"If-None-Match": etag})  # fmt: skip
                        label = f"article, {len(rotating_paths):,} different stories, cache cold"
                        drive(site, bare, label, "article", cache, paths=rotating_paths)
                    memory[f"site, cache {cache}"] = site.peak_worker_rss_mb()
            memory["bare view"] = bare.peak_worker_rss_mb()
    return {
        "runs": runs,
        "peak_worker_rss_mb": memory,
        "seconds": seconds,
        "connections": connections,
        "bytes": {page: len(body) for page, body in bodies.items() if body is not None},
    }
