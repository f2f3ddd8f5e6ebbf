"""Starts, health-checks and stops the processes of the native stack."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from .build import ensure_all, log
from .config import HOST, REPO, Paths, busy_ports, config_values, render, urls

OBSERVABILITY = REPO / "observability"
# loki.yaml and tempo.yaml there are for Docker's real Loki and Tempo; natively their API doubles run.
CONFIG_FILES = ("prometheus.yml", "jaeger.yaml")
DOUBLES = REPO / "doubles"
TEST_HOST = REPO / "tests" / "host"
DIST = REPO / "dist"

# The processes in start order: each waits for the ones before it to be ready. Jaeger forwards
# spans to the Tempo double, so the double starts first.
START_ORDER = [
    "prometheus",
    "loki-double",
    "tempo-double",
    "jaeger",
    "payments",
    "sample-app",
    "test-host",
    "traffic-generator",
]
STOP_ORDER = START_ORDER[::-1]

# Readiness of each long-running server: (key of urls(), path); the traffic generator has none.
READINESS = {
    "prometheus": ("prometheus", "/-/ready"),
    "loki-double": ("loki", "/ready"),
    "tempo-double": ("tempo", "/ready"),
    "jaeger": ("jaeger_health", "/status"),
    "test-host": ("host", "/api/health"),
    "payments": ("payments", "/health"),
    "sample-app": ("sample_app", "/health"),
}


def ready_url(name: str, u: dict[str, str]) -> str | None:
    if name not in READINESS:
        return None
    key, path = READINESS[name]
    return u[key] + path


@dataclass
class Proc:
    name: str
    argv: list[str]
    ready_url: str | None
    env: dict[str, str] = field(default_factory=dict)
    cwd: Path = REPO
    ready_timeout: float = 120.0


def render_configs(paths: Paths, values: dict[str, str]) -> dict[str, Path]:
    paths.config.mkdir(parents=True, exist_ok=True)
    out = {}
    for name in CONFIG_FILES:
        target = paths.config / name
        target.write_text(render((OBSERVABILITY / name).read_text(), values))
        out[name] = target
    return out


def plan(
    paths: Paths,
    ports: dict[str, int],
    binaries: dict[str, Path],
    traffic: dict | None,
    cfg: dict[str, Path],
    host: bool = False,
) -> list[Proc]:
    """The processes in START_ORDER; `cfg` holds the rendered config files (render_configs)."""
    u = urls(ports)
    py = sys.executable
    app_env = {
        "PYTHONPATH": str(REPO / "sample-app"),
        "PYTHONUNBUFFERED": "1",
        "OTEL_EXPORTER_OTLP_ENDPOINT": u["otlp_http"],
        "LOKI_URL": u["loki"],
        "HOST": "127.0.0.1",
    }
    double_env = {"PYTHONPATH": str(DOUBLES), "PYTHONUNBUFFERED": "1"}
    procs = [
        Proc(
            "prometheus",
            [
                str(binaries["prometheus"]),
                f"--config.file={cfg['prometheus.yml']}",
                f"--storage.tsdb.path={paths.data / 'prometheus'}",
                f"--web.listen-address=127.0.0.1:{ports['prometheus']}",
                "--web.enable-remote-write-receiver",
                "--web.enable-lifecycle",
                "--storage.tsdb.retention.time=2d",
            ],
            ready_url("prometheus", u),
        ),
        Proc(
            "loki-double",
            [py, "-m", "loki_double", "--host", HOST, "--port", str(ports["loki"])],
            ready_url("loki-double", u),
            env=double_env,
        ),
        Proc(
            "tempo-double",
            [py, "-m", "tempo_double", "--host", HOST, "--port", str(ports["tempo"])],
            ready_url("tempo-double", u),
            env=double_env,
        ),
        Proc("jaeger", [str(binaries["jaeger"]), f"--config={cfg['jaeger.yaml']}"], ready_url("jaeger", u)),
        Proc(
            "payments",
            [py, "-m", "sample_app", "--service", "payments", "--port", str(ports["payments"])],
            ready_url("payments", u),
            env=app_env,
        ),
        Proc(
            "sample-app",
            [py, "-m", "sample_app", "--service", "sample-app", "--port", str(ports["sample_app"])],
            ready_url("sample-app", u),
            env={**app_env, "PAYMENTS_URL": u["payments"]},
        ),
    ]
    if host:
        procs.append(
            Proc(
                "test-host",
                [
                    py,
                    str(TEST_HOST / "serve.py"),
                    "--listen",
                    f"{HOST}:{ports['host']}",
                    "--dist",
                    str(DIST),
                    "--state-dir",
                    str(paths.data / "test-host"),
                    "--prometheus-url",
                    u["prometheus"],
                    "--loki-url",
                    u["loki"],
                    "--tempo-url",
                    u["tempo"],
                ],
                ready_url("test-host", u),
                env={"PYTHONUNBUFFERED": "1"},
                # The first start builds the Go plugin host (a few minutes on 2 cores, cold).
                ready_timeout=600.0,
            )
        )
    if traffic is not None:
        procs.append(
            Proc(
                "traffic-generator",
                [
                    py,
                    "-m",
                    "traffic_generator",
                    "--scenario",
                    traffic["scenario"],
                    "--duration",
                    str(traffic["duration"]),
                    "--rps",
                    str(traffic["rps"]),
                    "--target-url",
                    u["sample_app"],
                    "--payments-url",
                    u["payments"],
                    "--events-file",
                    str(paths.logs / "traffic-events.jsonl"),
                ],
                ready_url("traffic-generator", u),
                env={"PYTHONPATH": str(REPO / "traffic-generator"), "PYTHONUNBUFFERED": "1"},
            )
        )
    return procs


def pid_of(paths: Paths, name: str) -> int | None:
    f = paths.pids / f"{name}.pid"
    try:
        pid = int(f.read_text().strip())
    except (OSError, ValueError):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass
    return pid


def is_ready(url: str, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return 200 <= r.status < 300
    except OSError:
        return False


def start(paths: Paths, proc: Proc) -> subprocess.Popen:
    paths.logs.mkdir(parents=True, exist_ok=True)
    paths.pids.mkdir(parents=True, exist_ok=True)
    logfile = open(paths.logs / f"{proc.name}.log", "ab")  # noqa: SIM115 - handed to the child
    env = {**os.environ, **proc.env}
    child = subprocess.Popen(
        proc.argv,
        cwd=proc.cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=logfile,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: `down` stops it and its children
    )
    logfile.close()
    (paths.pids / f"{proc.name}.pid").write_text(f"{child.pid}\n")
    return child


def wait_ready(paths: Paths, proc: Proc, child: subprocess.Popen) -> None:
    if proc.ready_url is None:
        return
    deadline = time.monotonic() + proc.ready_timeout
    while time.monotonic() < deadline:
        # poll(), not a signal 0 to the pid: a child that exited stays a zombie until reaped.
        if child.poll() is not None:
            tail = (paths.logs / f"{proc.name}.log").read_text(errors="replace").splitlines()[-15:]
            raise RuntimeError(f"{proc.name} exited during start-up; last lines of its log:\n" + "\n".join(tail))
        if is_ready(proc.ready_url):
            return
        time.sleep(0.5)
    raise RuntimeError(f"{proc.name} not ready at {proc.ready_url} after {proc.ready_timeout:.0f}s")


def prepare_test_host() -> None:
    """What the test host serves besides the repository: the plugin's build, icons and fonts, the shell."""
    missing = [f for f in ("module.js", "plugin.json", "gpx_reliability_linux_amd64") if not (DIST / f).exists()]
    if missing:
        raise RuntimeError(
            f"dist/ lacks {', '.join(missing)}: build the plugin first (npm ci && npm run build && go tool mage -v), "
            "or start without the test host (--no-host)"
        )
    if not (TEST_HOST / "assets" / "node_modules").exists():
        log("installing the test host's icons and fonts (npm ci --prefix tests/host/assets)")
        subprocess.run(
            ["npm", "ci", "--prefix", str(TEST_HOST / "assets"), "--ignore-scripts", "--no-audit", "--no-fund"],
            check=True,
            capture_output=True,
        )
    log("building the test host's frontend shell for the Grafana 11.6 packages")
    subprocess.run(["node", str(TEST_HOST / "build_shell.mjs"), "11.6"], cwd=REPO, check=True, capture_output=True)


def up(
    paths: Paths,
    ports: dict[str, int],
    cache: Path,
    traffic: dict | None,
    scrape_interval: str,
    host: bool = False,
) -> dict[str, str]:
    running = [name for name in names(paths) if pid_of(paths, name)]
    if running:
        raise RuntimeError(f"the stack in {paths.state} is already running ({', '.join(running)}); stop it first")
    busy = busy_ports({n: p for n, p in ports.items() if host or n != "host"})
    if busy:
        desc = ", ".join(f"{n}={p}" for n, p in busy.items())
        raise RuntimeError(f"ports in use: {desc}; set RCP_<NAME>_PORT or RCP_PORT_OFFSET")
    binaries = ensure_all(cache, paths.logs)
    configs = render_configs(paths, config_values(ports, scrape_interval))
    (paths.data / "prometheus").mkdir(parents=True, exist_ok=True)
    if host:
        prepare_test_host()
    started = time.monotonic()
    try:
        for proc in plan(paths, ports, binaries, traffic, configs, host):
            child = start(paths, proc)
            wait_ready(paths, proc, child)
            log(f"{proc.name} ready (pid {child.pid})")
    except BaseException:
        down(paths)
        raise
    u = urls(ports)
    (paths.state / "stack.json").write_text(
        json.dumps({"ports": ports, "urls": u, "binaries": {k: str(v) for k, v in binaries.items()}}, indent=2) + "\n"
    )
    log(f"stack up in {time.monotonic() - started:.0f}s; logs in {paths.logs}")
    return u


def names(paths: Paths) -> list[str]:
    if not paths.pids.exists():
        return []
    return sorted(p.stem for p in paths.pids.glob("*.pid"))


def down(paths: Paths, timeout: float = 20.0) -> list[str]:
    """Stops what this state folder started: SIGTERM to each process group, SIGKILL after `timeout`."""
    present = names(paths)
    order = [n for n in STOP_ORDER if n in present] + [n for n in present if n not in STOP_ORDER]
    stopped = []
    for name in order:
        pid = pid_of(paths, name)
        if pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGTERM)
            deadline = time.monotonic() + timeout
            while pid_of(paths, name) is not None and time.monotonic() < deadline:
                _reap(pid)
                time.sleep(0.2)
            if pid_of(paths, name) is not None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(pid, signal.SIGKILL)
                _reap(pid)
            stopped.append(name)
        (paths.pids / f"{name}.pid").unlink(missing_ok=True)
    return stopped


def _reap(pid: int) -> None:
    """Collects a child of this process so that it does not linger as a zombie."""
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def status(paths: Paths, ports: dict[str, int]) -> list[tuple[str, int | None, str]]:
    u = urls(ports)
    rows = []
    for name in START_ORDER:
        pid = pid_of(paths, name)
        url = ready_url(name, u)
        if pid is None:
            state = "stopped"
        elif url is not None:
            state = "ready" if is_ready(url) else "not ready"
        else:
            state = "running"
        rows.append((name, pid, state))
    return rows
