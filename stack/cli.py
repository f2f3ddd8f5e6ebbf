"""python -m stack up|down|status|build|urls"""

from __future__ import annotations

import argparse
import json
import os
import sys

from .build import ensure_all, log
from .config import cache_dir, resolve_ports, state_paths
from .runner import down, status, up


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m stack",
        description="Prometheus, Jaeger, the Loki and Tempo API doubles, the sample services and the traffic generator "
        "on loopback, no Docker.",
        epilog="Ports: RCP_<NAME>_PORT or RCP_PORT_OFFSET. State (logs, data): RCP_STACK_DIR (default .stack/). "
        "Binaries: RCP_STACK_CACHE (default ~/.cache/rcp-stack).",
    )
    sub = p.add_subparsers(dest="command", required=True)
    u = sub.add_parser("up", help="build what is missing, start everything, wait until ready")
    u.add_argument("--scenario", default=os.environ.get("RCP_SCENARIO", "steady"))
    u.add_argument("--duration", type=float, default=float(os.environ.get("RCP_TRAFFIC_DURATION", "3600")))
    u.add_argument("--rps", type=float, default=float(os.environ.get("RCP_TRAFFIC_RPS", "8")))
    u.add_argument("--no-traffic", action="store_true", help="start no traffic generator")
    u.add_argument(
        "--no-host",
        action="store_true",
        help="start no test host (the Grafana stand-in with the plugin, on RCP_HOST_PORT, default 3000)",
    )
    u.add_argument("--scrape-interval", default=os.environ.get("RCP_SCRAPE_INTERVAL", "5s"))
    sub.add_parser("down", help="stop everything this state folder started")
    sub.add_parser("status", help="what runs and whether it is ready")
    sub.add_parser("build", help="only fetch and build the binaries")
    sub.add_parser("urls", help="print the endpoints as JSON")
    args = p.parse_args(argv)

    env = os.environ
    paths = state_paths(env)
    try:
        ports = resolve_ports(env)
    except ValueError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    cache = cache_dir(env)
    try:
        if args.command == "up":
            traffic = None
            if not args.no_traffic:
                traffic = {"scenario": args.scenario, "duration": args.duration, "rps": args.rps}
            result = up(paths, ports, cache, traffic, args.scrape_interval, host=not args.no_host)
            print(json.dumps(result, indent=2))
        elif args.command == "down":
            stopped = down(paths)
            log(f"stopped: {', '.join(stopped) or 'nothing was running'}")
        elif args.command == "status":
            rows = status(paths, ports)
            for name, pid, state in rows:
                print(f"{name:18} {state:10} {pid or ''}")
            return 0 if all(s != "stopped" for n, _, s in rows if n not in ("traffic-generator", "test-host")) else 3
        elif args.command == "build":
            for name, path in ensure_all(cache, paths.logs).items():
                print(f"{name}: {path}")
        elif args.command == "urls":
            from .config import urls

            print(json.dumps(urls(ports), indent=2))
    except RuntimeError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    return 0
