"""Fixtures of the integration tests: the servers, a played scenario, the plugin's queries.

By default the tests start the native stack from its own state folder (.stack/integration) and
ports shifted by RCP_PORT_OFFSET, so that it never meets a stack a developer left running: a real
Prometheus and Jaeger, and our API doubles of Loki and Tempo (their servers are AGPL and do not
run here). The first run builds Jaeger (about 10 minutes on 2 cores); later runs reuse it.

With RCP_PROMETHEUS_URL, RCP_LOKI_URL and RCP_TEMPO_URL (and RCP_SAMPLE_APP_URL,
RCP_PAYMENTS_URL for the services to drive) the same tests run against servers started elsewhere,
for example the real Loki and Tempo of `docker compose up`; RCP_JAEGER_URL adds the Jaeger check.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from .queries_bundle import CLI, bundle_queries_cli

REPO = Path(__file__).resolve().parents[2]
STATE = REPO / ".stack" / "integration"

BASELINE_S = float(os.environ.get("RCP_IT_BASELINE", "25"))
SCENARIO_S = float(os.environ.get("RCP_IT_DURATION", "80"))


def stack_env() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("RCP_PORT_OFFSET", "300")
    env["RCP_STACK_DIR"] = str(STATE)
    return env


def run_stack(*args: str, timeout: float) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "stack", *args],
        cwd=REPO,
        env=stack_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def get_json(url: str, params: dict | None = None, timeout: float = 30.0) -> dict:
    if params:
        url += "?" + urllib.parse.urlencode(params)
    req = urllib.request.Request(url, headers={"Accept": "application/json"})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return json.loads(r.read())


def eventually(check, timeout: float = 60.0, interval: float = 2.0):
    """Retries `check` until it returns a truthy value without raising, or fails with its last error."""
    deadline = time.monotonic() + timeout
    last: BaseException | None = None
    while time.monotonic() < deadline:
        try:
            result = check()
            if result:
                return result
        except (AssertionError, OSError, KeyError, ValueError) as e:
            last = e
        time.sleep(interval)
    if last:
        raise last
    raise AssertionError(f"{getattr(check, '__name__', 'check')} still false after {timeout:.0f}s")


# The servers the tests may be pointed at instead of the native stack (all or none of the first five).
EXTERNAL_URLS = {
    "prometheus": "RCP_PROMETHEUS_URL",
    "loki": "RCP_LOKI_URL",
    "tempo": "RCP_TEMPO_URL",
    "sample_app": "RCP_SAMPLE_APP_URL",
    "payments": "RCP_PAYMENTS_URL",
    "jaeger": "RCP_JAEGER_URL",
}


def external_urls() -> dict[str, str] | None:
    given = {k: os.environ[v].rstrip("/") for k, v in EXTERNAL_URLS.items() if os.environ.get(v)}
    if not given:
        return None
    missing = [EXTERNAL_URLS[k] for k in EXTERNAL_URLS if k != "jaeger" and k not in given]
    if missing:
        raise pytest.UsageError(f"external servers need every one of these too: {', '.join(missing)}")
    return given


def pytest_report_header(config):
    urls = external_urls()
    if urls is None:
        return [
            "servers: the native stack: Prometheus and Jaeger (real),",
            "         Loki and Tempo API doubles (doubles/loki_double, doubles/tempo_double)",
        ]
    return ["servers: external, " + ", ".join(f"{k}={v}" for k, v in urls.items())]


@pytest.fixture(scope="session")
def stack():
    external = external_urls()
    if external is not None:
        yield external
        return
    down = run_stack("down", timeout=120)
    if STATE.exists():
        shutil.rmtree(STATE)
    # Cold: builds Jaeger first (see docs/ENVIRONMENT.md); warm: a few seconds.
    started = time.monotonic()
    up = run_stack("up", "--no-traffic", "--no-host", timeout=75 * 60)
    if up.returncode != 0:
        logs = STATE / "logs"
        pytest.fail(f"stack up failed ({up.returncode}):\n{up.stderr[-4000:]}\n(logs in {logs}; {down.stderr})")
    urls = json.loads(up.stdout)
    print(f"stack up in {time.monotonic() - started:.0f}s: {urls}", file=sys.stderr)
    yield urls
    run_stack("down", timeout=120)


@dataclass
class Played:
    baseline: tuple[float, float]  # epoch seconds
    failure: tuple[float, float]
    end: float
    events: list[dict]


@pytest.fixture(scope="session")
def downstream_failure(stack) -> Played:
    """Plays `downstream-failure`: a healthy baseline, then payments /charge failing 90%."""
    events_file = STATE / "logs" / "it-traffic-events.jsonl"
    cmd = [
        sys.executable,
        "-m",
        "traffic_generator",
        "--scenario",
        "downstream-failure",
        "--duration",
        str(SCENARIO_S),
        "--baseline",
        str(BASELINE_S),
        "--rps",
        "12",
        "--seed",
        "7",
        "--target-url",
        stack["sample_app"],
        "--payments-url",
        stack["payments"],
        "--events-file",
        str(events_file),
    ]
    env = {**os.environ, "PYTHONPATH": str(REPO / "traffic-generator")}
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=SCENARIO_S + 120, check=True)
    events = [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")]
    starts = {e["phase"]: e["epoch"] for e in events if e["event"] == "phase_start"}
    ends = {e["phase"]: e["epoch"] for e in events if e["event"] == "phase_end"}
    return Played(
        baseline=(starts["baseline"], ends["baseline"]),
        failure=(starts["downstream-failure"], ends["downstream-failure"]),
        end=ends["recovery"],
        events=events,
    )


@pytest.fixture(scope="session")
def queries():
    """The plugin's query builders (TypeScript), bundled once with esbuild and called through node."""
    bundle_queries_cli()

    def build(service: str, from_s: float, to_s: float, window: int = 30, settings: dict | None = None) -> dict:
        args = ["node", str(CLI), "queries", "--service", service, "--from", str(int(from_s * 1000))]
        args += ["--to", str(int(to_s * 1000)), "--window", str(window)]
        if settings is not None:
            args += ["--settings", json.dumps(settings)]
        return json.loads(subprocess.run(args, capture_output=True, text=True, check=True).stdout)

    def analyze_logs(lines: list[dict]) -> dict:
        """The page's log analysis (analyzeLogs) of raw Loki lines: patterns, dominant, trace ids."""
        out = subprocess.run(
            ["node", str(CLI), "analyze-logs"], input=json.dumps(lines), capture_output=True, text=True, check=True
        )
        return json.loads(out.stdout)

    def slo(counts: dict) -> dict:
        """The page's SLO report (computeSlo) of burn-window and period counts."""
        out = subprocess.run(
            ["node", str(CLI), "slo"], input=json.dumps(counts), capture_output=True, text=True, check=True
        )
        return json.loads(out.stdout)

    build.analyze_logs = analyze_logs
    build.slo = slo
    return build
