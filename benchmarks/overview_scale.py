"""Scale of the Overview page: 1,000 services in a real Prometheus, time from the first request to
the table's rows for a 1-hour and a 7-day range (targets: under 2 s and under 5 s).

    .venv/bin/python benchmarks/overview_scale.py [--services 1000] [--port 19990] [--runs 3]

Writes 7 days of counters and latency buckets for every service as OpenMetrics, turns them into TSDB
blocks with `promtool tsdb create-blocks-from openmetrics` in a temporary data directory, starts
Prometheus (both from Debian's package via stack.build.ensure_prometheus_tool) on that directory,
waits for its compactor to merge the backfilled 2-hour blocks, and runs the page's own query
builders, frame reader and engine (benchmarks/overview_cli.ts, bundled by esbuild) against it.
Samples are 1 minute apart over the last 6 hours (so the 5-minute window has data) and 30 minutes
apart before. A fixed share of services fails in the last hour, and one sends
no traffic in the last day. Prints the figures, the command and `uptime`; not part of CI.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from stack.build import ensure_prometheus_tool  # noqa: E402
from stack.config import cache_dir  # noqa: E402

FAMILY = "http_server_request_duration_seconds"
DAY = 86_400
FINE = 6 * 3600  # last 6 hours at 1-minute resolution
BUCKETS = ("0.25", "+Inf")


def sample_times(end: int) -> list[int]:
    coarse = list(range(end - 7 * DAY, end - FINE, 1800))
    return coarse + list(range(end - FINE, end + 1, 60))


BLOCK = 7200  # promtool's block range: it writes one block per 2-hour window, epoch-aligned


def write_openmetrics(directory: Path, services: int, end: int) -> tuple[list[Path], int]:
    """Counters growing at 60 req/min per service; every 50th fails 5 % in the last hour; the last is idle.

    One file per 2-hour block window: promtool 2.42 parses its whole input once per block it
    writes, so 7 days in one file cost 84 parses (about 14 minutes); one file per window, one each.
    """
    times = sample_times(end)
    windows = sorted({t - t % BLOCK for t in times})
    files = {w: (directory / f"series-{w}.om").open("w") for w in windows}
    for out in files.values():
        out.write(f"# TYPE {FAMILY} histogram\n")
    lines = 0
    for i in range(services):
        name = f"svc-{i:04d}"
        failing = i % 50 == 0
        idle_from = end - DAY if i == services - 1 else None
        requests = errors = 0.0
        rows: list[tuple[int, float, float]] = []
        last = times[0]
        for t in times:
            active = idle_from is None or t < idle_from
            minutes = (t - last) / 60
            if active:
                requests += 60 * minutes
                errors += 60 * minutes * (0.05 if failing and t > end - 3600 else 0.0001)
            rows.append((t, requests, errors))
            last = t
        for status, share in (("200", None), ("500", "errors")):
            labels = f'service_name="{name}",http_response_status_code="{status}"'
            series = [(f'{FAMILY}_bucket{{{labels},le="{le}"}}', 0.9 if le == "0.25" else 1.0) for le in BUCKETS]
            series.append((f"{FAMILY}_count{{{labels}}}", 1.0))
            for metric, fraction in series:
                for t, req, err in rows:
                    count = err if share else req - err
                    files[t - t % BLOCK].write(f"{metric} {count * fraction:.3f} {t}\n")
                    lines += 1
    for out in files.values():
        out.write("# EOF\n")
        out.close()
    return [directory / f"series-{w}.om" for w in windows], lines


def wait_compacted(url: str, timeout: float = 900) -> int:
    """Waits until Prometheus has compacted the 2-hour blocks as it would have over the week.

    The compactor runs once a minute; the block count is taken as settled when two minutes
    pass without a change. Measuring before that would time 84 small blocks and a busy compactor.
    """
    deadline = time.monotonic() + timeout
    blocks, stable_since = -1, time.monotonic()
    while time.monotonic() < deadline:
        with urllib.request.urlopen(f"{url}/metrics", timeout=5) as r:
            text = r.read().decode()
        gauge = "prometheus_tsdb_blocks_loaded "
        count = next(int(float(line.split()[1])) for line in text.splitlines() if line.startswith(gauge))
        if count != blocks:
            blocks, stable_since = count, time.monotonic()
        elif time.monotonic() - stable_since > 120:
            return blocks
        time.sleep(5)
    raise SystemExit(f"Prometheus at {url} still compacting after {timeout} s ({blocks} blocks)")


def wait_ready(url: str, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/-/ready", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"Prometheus at {url} not ready within {timeout} s")


def run_overview(bundle: Path, url: str, from_ms: int, to_ms: int) -> dict:
    out = subprocess.run(
        ["node", str(bundle), "--prometheus", url, "--from", str(from_ms), "--to", str(to_ms)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=1000)
    parser.add_argument("--port", type=int, default=19990)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    cache = cache_dir(os.environ)
    promtool = ensure_prometheus_tool(cache, "promtool")
    prometheus = ensure_prometheus_tool(cache, "prometheus")
    bundle = ROOT / "build" / "cli" / "overview-bench.cjs"
    subprocess.run(
        [
            "npx",
            "esbuild",
            "benchmarks/overview_cli.ts",
            "--bundle",
            "--platform=node",
            "--target=node20",
            "--format=cjs",
            f"--outfile={bundle}",
            "--log-level=warning",
        ],
        cwd=ROOT,
        check=True,
    )
    end = int(time.time()) // 60 * 60 - 120
    with tempfile.TemporaryDirectory(prefix="rcp-overview-bench-") as tmp:
        d = Path(tmp)
        started = time.monotonic()
        files, samples = write_openmetrics(d, args.services, end)
        for f in files:
            subprocess.run(
                [str(promtool), "tsdb", "create-blocks-from", "openmetrics", str(f), str(d / "data")],
                check=True,
                capture_output=True,
            )
            f.unlink()
        took = time.monotonic() - started
        print(f"{samples} samples of {args.services} services in {len(files)} blocks in {took:.0f} s")
        (d / "prometheus.yml").write_text("global: {}\n")
        url = f"http://127.0.0.1:{args.port}"
        server = subprocess.Popen(
            [
                str(prometheus),
                f"--config.file={d / 'prometheus.yml'}",
                f"--storage.tsdb.path={d / 'data'}",
                "--storage.tsdb.retention.time=30d",
                f"--web.listen-address=127.0.0.1:{args.port}",
            ],
            stdout=subprocess.DEVNULL,
            stderr=(d / "prometheus.log").open("w"),
        )
        try:
            wait_ready(url)
            started = time.monotonic()
            blocks = wait_compacted(url)
            print(f"compacted into {blocks} blocks in {time.monotonic() - started:.0f} s")
            to_ms = end * 1000
            for label, seconds in (("1h", 3600), ("7d", 7 * DAY)):
                runs = [run_overview(bundle, url, to_ms - seconds * 1000, to_ms) for _ in range(args.runs)]
                times = [r["ms"] for r in runs]
                first = runs[0]
                print(
                    f"range {label}: {first['services']} services, {first['firing']} firing, top {first['top']}; "
                    f"request to rows {statistics.median(times)} ms median of {times}"
                )
                slowest = sorted(first["took"].items(), key=lambda kv: -kv[1])[:6]
                print("  slowest queries of the first run (ms, concurrent):", ", ".join(f"{k} {v}" for k, v in slowest))
        finally:
            server.terminate()
            server.wait(timeout=30)
    print("command: .venv/bin/python benchmarks/overview_scale.py " + " ".join(sys.argv[1:]))
    print("uptime:", subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip())
    return 0


if __name__ == "__main__":
    sys.exit(main())
