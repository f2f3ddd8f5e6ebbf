"""Plays a scenario against the sample services: paced mixed traffic plus faults set per phase.

Every phase change and every fault set or cleared is written as a JSON line to stdout and to
the events file, with wall-clock times, so that what was injected and when can be lined up
with what Prometheus, Loki and Tempo show. Runs are bounded by `--duration` unless `--loop`.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

from .scenarios import SCENARIOS, Phase, pick_request, schedule


class EventLog:
    def __init__(self, path: str | None) -> None:
        self._lock = threading.Lock()
        self._file = None
        if path:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            self._file = open(path, "a", encoding="utf-8")  # noqa: SIM115 - closed in close()

    def write(self, event: str, **fields: object) -> dict:
        now = time.time()
        doc = {
            "ts": datetime.fromtimestamp(now, UTC).isoformat(timespec="milliseconds"),
            "epoch": round(now, 3),
            "event": event,
            **fields,
        }
        line = json.dumps(doc, default=str)
        with self._lock:
            print(line, flush=True)
            if self._file:
                self._file.write(line + "\n")
                self._file.flush()
        return doc

    def close(self) -> None:
        if self._file:
            self._file.close()


def http(method: str, url: str, body: dict | None = None, timeout: float = 10.0) -> int:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            resp.read()
            return resp.status
    except urllib.error.HTTPError as e:
        e.read()
        return e.code


class Generator:
    def __init__(self, args: argparse.Namespace, events: EventLog) -> None:
        self.args = args
        self.events = events
        self.services = {"sample-app": args.target_url.rstrip("/"), "payments": args.payments_url.rstrip("/")}
        self.rng = random.Random(args.seed)
        self.stop = threading.Event()
        self.stats: Counter[str] = Counter()
        self._stats_lock = threading.Lock()
        self.in_flight = 0

    def clear_faults(self) -> None:
        for name, url in self.services.items():
            try:
                http("DELETE", f"{url}/admin/fault")
                self.events.write("faults_cleared", service=name)
            except OSError as e:
                self.events.write("fault_error", service=name, action="clear", error=str(e))

    def apply(self, phase: Phase) -> None:
        self.clear_faults()
        for inj in phase.injections:
            body = inj.request_body(ttl_seconds=phase.duration_s + 15)
            try:
                status = http("POST", f"{self.services[inj.service]}/admin/fault", body)
                self.events.write("fault_injected", phase=phase.name, service=inj.service, fault=body, status=status)
            except OSError as e:
                self.events.write("fault_error", phase=phase.name, service=inj.service, fault=body, error=str(e))

    def _request(self, method: str, path: str, route: str) -> None:
        key = "error"
        try:
            status = http(method, self.services["sample-app"] + path, {} if method == "POST" else None)
            key = str(status)
        except OSError:
            key = "connection_error"
        finally:
            with self._stats_lock:
                self.stats[f"{route} {key}"] += 1
                self.in_flight -= 1

    def play(self, phases: list[Phase], pool: ThreadPoolExecutor, scenario: str) -> None:
        interval = 1.0 / self.args.rps
        t0 = time.monotonic()
        self.events.write("scenario_start", scenario=scenario, phases=[p.to_json() for p in phases], rps=self.args.rps)
        for phase in phases:
            if self.stop.is_set():
                break
            self.apply(phase)
            self.events.write(
                "phase_start", scenario=scenario, phase=phase.name, injected=phase.to_json()["injections"]
            )
            with self._stats_lock:
                self.stats.clear()
            next_at = t0 + phase.start_s
            end_at = t0 + phase.end_s
            while not self.stop.is_set():
                now = time.monotonic()
                if now >= end_at:
                    break
                if now < next_at:
                    self.stop.wait(min(next_at - now, end_at - now))
                    continue
                next_at += interval
                with self._stats_lock:
                    if self.in_flight >= self.args.concurrency * 2:
                        self.stats["shed"] += 1  # the services are too slow: don't pile up
                        continue
                    self.in_flight += 1
                pool.submit(self._request, *pick_request(self.rng))
            with self._stats_lock:
                summary = dict(sorted(self.stats.items()))
            self.events.write("phase_end", scenario=scenario, phase=phase.name, requests=summary)
        self.clear_faults()
        self.events.write("scenario_end", scenario=scenario)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    env = os.environ.get
    p = argparse.ArgumentParser(prog="traffic_generator", description=__doc__.splitlines()[0])
    p.add_argument("--scenario", default=env("SCENARIO", "steady"), help=f"comma-separated, of: {', '.join(SCENARIOS)}")
    p.add_argument("--duration", type=float, default=float(env("DURATION", "120")), help="seconds per scenario")
    p.add_argument("--baseline", type=float, default=None, help="seconds of healthy traffic before a failure")
    p.add_argument("--rps", type=float, default=float(env("RPS", "8")), help="requests per second")
    p.add_argument("--concurrency", type=int, default=int(env("CONCURRENCY", "16")))
    p.add_argument("--target-url", default=env("SAMPLE_APP_URL", "http://127.0.0.1:8080"))
    p.add_argument("--payments-url", default=env("PAYMENTS_URL", "http://127.0.0.1:8081"))
    p.add_argument("--events-file", default=env("EVENTS_FILE"), help="JSON lines of what was injected and when")
    p.add_argument("--loop", action="store_true", default=env("LOOP", "").lower() in ("1", "true", "yes"))
    p.add_argument("--seed", type=int, default=None)
    args = p.parse_args(argv)
    args.scenarios = [s.strip() for s in args.scenario.split(",") if s.strip()]
    for s in args.scenarios:
        if s not in SCENARIOS:
            p.error(f"unknown scenario {s!r}; expected one of {', '.join(SCENARIOS)}")
    if args.rps <= 0 or args.concurrency <= 0:
        p.error("--rps and --concurrency must be positive")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    events = EventLog(args.events_file)
    gen = Generator(args, events)

    def stop(signum: int, frame: object) -> None:
        gen.stop.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        with ThreadPoolExecutor(max_workers=args.concurrency) as pool:
            while not gen.stop.is_set():
                for scenario in args.scenarios:
                    if gen.stop.is_set():
                        break
                    gen.play(schedule(scenario, args.duration, args.baseline), pool, scenario)
                if not args.loop:
                    break
    finally:
        events.write("generator_stopped")
        events.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
