"""Ports, paths and config rendering: the pure part of the runner, unit-tested."""

from __future__ import annotations

import os
import re
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

# Defaults away from the ports people commonly run things on (3000, 3100, 3200, 4317, 8080,
# 9090...), so that the native stack can run beside a Docker one or a local Grafana.
DEFAULT_PORTS: dict[str, int] = {
    "prometheus": 19090,
    "loki": 13100,  # the Loki API double
    "tempo": 13200,  # the Tempo API double: Tempo's API, OTLP/HTTP from Jaeger, generator series
    "jaeger_otlp_grpc": 14317,
    "jaeger_otlp_http": 14318,
    "jaeger_query": 26686,
    "jaeger_query_grpc": 26685,
    "jaeger_health": 23133,
    "jaeger_metrics": 18888,
    "sample_app": 18080,
    "payments": 18081,
    # The test host (tests/host), our Grafana stand-in serving the plugin for the demo, where
    # Grafana usually listens.
    "host": 3000,
}

HOST = "127.0.0.1"


def port_env_name(name: str) -> str:
    return f"RCP_{name.upper()}_PORT"


def resolve_ports(env: Mapping[str, str]) -> dict[str, int]:
    """Ports from `RCP_<NAME>_PORT`, else the default shifted by `RCP_PORT_OFFSET`; validated."""
    try:
        offset = int(env.get("RCP_PORT_OFFSET", "0"))
    except ValueError:
        raise ValueError(f"RCP_PORT_OFFSET must be an integer, not {env['RCP_PORT_OFFSET']!r}") from None
    ports = {}
    for name, default in DEFAULT_PORTS.items():
        raw = env.get(port_env_name(name))
        if raw is None or raw == "":
            port = default + offset
        else:
            try:
                port = int(raw)
            except ValueError:
                raise ValueError(f"{port_env_name(name)} must be a port number, not {raw!r}") from None
        if not 1024 <= port <= 65535:
            raise ValueError(f"{port_env_name(name)}={port} is outside 1024-65535")
        ports[name] = port
    seen: dict[int, str] = {}
    for name, port in ports.items():
        if port in seen:
            raise ValueError(f"{port_env_name(name)} and {port_env_name(seen[port])} are both {port}")
        seen[port] = name
    return ports


def busy_ports(ports: Mapping[str, int], host: str = HOST) -> dict[str, int]:
    """The ports that something already listens on (or that cannot be bound)."""
    busy = {}
    for name, port in ports.items():
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                s.bind((host, port))
            except OSError:
                busy[name] = port
    return busy


_PLACEHOLDER = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


def render(template: str, values: Mapping[str, str]) -> str:
    """Expands `${NAME}` and `${NAME:-default}` as Docker Compose does.

    A name with neither a value nor a default is an error rather than an empty string, so a
    typo in a config cannot silently produce `http://:/`.
    """

    def sub(m: re.Match) -> str:
        name, default = m.group(1), m.group(2)
        if name in values:
            return str(values[name])
        if default is not None:
            return default
        raise KeyError(f"no value for ${{{name}}} and no default")

    return _PLACEHOLDER.sub(sub, template)


def render_defaults(template: str) -> str:
    """What Docker uses: every placeholder replaced by its default."""
    return render(template, {})


@dataclass(frozen=True)
class Paths:
    state: Path  # .stack/ : logs, data, rendered configs, pid files

    @property
    def logs(self) -> Path:
        return self.state / "logs"

    @property
    def data(self) -> Path:
        return self.state / "data"

    @property
    def config(self) -> Path:
        return self.state / "config"

    @property
    def pids(self) -> Path:
        return self.state / "pids"


def state_paths(env: Mapping[str, str]) -> Paths:
    return Paths(Path(env.get("RCP_STACK_DIR") or REPO / ".stack").resolve())


def cache_dir(env: Mapping[str, str]) -> Path:
    """Where built binaries live: outside the repository, shared by all clones."""
    if env.get("RCP_STACK_CACHE"):
        return Path(env["RCP_STACK_CACHE"]).resolve()
    xdg = env.get("XDG_CACHE_HOME") or os.path.join(env.get("HOME") or str(Path.home()), ".cache")
    return Path(xdg) / "rcp-stack"


def config_values(ports: Mapping[str, int], scrape_interval: str = "5s") -> dict[str, str]:
    """The placeholder values of observability/prometheus.yml and jaeger.yaml for the native stack."""
    addr = lambda name: f"{HOST}:{ports[name]}"  # noqa: E731
    return {
        "LISTEN_ADDR": HOST,
        "SCRAPE_INTERVAL": scrape_interval,
        "SAMPLE_APP_ADDR": addr("sample_app"),
        "PAYMENTS_ADDR": addr("payments"),
        "PROMETHEUS_ADDR": addr("prometheus"),
        "LOKI_ADDR": addr("loki"),
        "TEMPO_ADDR": addr("tempo"),
        "JAEGER_METRICS_ADDR": addr("jaeger_metrics"),
        "JAEGER_OTLP_GRPC_PORT": str(ports["jaeger_otlp_grpc"]),
        "JAEGER_OTLP_HTTP_PORT": str(ports["jaeger_otlp_http"]),
        "JAEGER_QUERY_PORT": str(ports["jaeger_query"]),
        "JAEGER_QUERY_GRPC_PORT": str(ports["jaeger_query_grpc"]),
        "JAEGER_HEALTH_PORT": str(ports["jaeger_health"]),
        "JAEGER_METRICS_PORT": str(ports["jaeger_metrics"]),
    }


def urls(ports: Mapping[str, int]) -> dict[str, str]:
    return {
        "prometheus": f"http://{HOST}:{ports['prometheus']}",
        "loki": f"http://{HOST}:{ports['loki']}",
        "tempo": f"http://{HOST}:{ports['tempo']}",
        "jaeger": f"http://{HOST}:{ports['jaeger_query']}",
        "jaeger_health": f"http://{HOST}:{ports['jaeger_health']}",
        "otlp_http": f"http://{HOST}:{ports['jaeger_otlp_http']}",
        "sample_app": f"http://{HOST}:{ports['sample_app']}",
        "payments": f"http://{HOST}:{ports['payments']}",
        "host": f"http://{HOST}:{ports['host']}",
    }
