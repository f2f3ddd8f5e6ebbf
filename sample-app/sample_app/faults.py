"""Failure modes that can be switched on at run time through `/admin/fault`.

The state is pure and thread-safe so that the HTTP layer only asks "is a fault active for this
route now?" and the tests can drive it with a fake clock.
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass

# Each kind yields realistic, variable messages so that log pattern mining has work to do:
# the template stays the same while durations, ids and counts change on every line.
KINDS = ("provider_timeout", "db_timeout", "inventory_conflict", "upstream_unavailable", "bad_request")


def order_id(rng: random.Random | None = None) -> str:
    r = rng or random
    return uuid.UUID(int=r.getrandbits(128), version=4).hex[:12]


def error_message(kind: str, rng: random.Random, order: str | None = None, elapsed_ms: int | None = None) -> str:
    order = order or order_id(rng)
    if kind == "provider_timeout":
        ms = elapsed_ms if elapsed_ms is not None else rng.randint(2000, 3200)
        return f"payment provider timeout after {ms}ms for order {order}"
    if kind == "db_timeout":
        ms = elapsed_ms if elapsed_ms is not None else rng.randint(1500, 5000)
        table = rng.choice(("orders", "order_items", "reservations"))
        return f"database query timeout after {ms}ms on table {table} for order {order}"
    if kind == "inventory_conflict":
        sku = f"SKU-{rng.randint(10000, 99999)}"
        expected = rng.randint(1, 400)
        return f"inventory reservation failed for {sku}: version conflict (expected {expected}, found {expected + 1})"
    if kind == "upstream_unavailable":
        host = f"10.12.{rng.randint(0, 255)}.{rng.randint(1, 254)}:8443"
        return f"upstream pricing-service unavailable: connect to {host} refused after {rng.randint(1, 5)} attempts"
    if kind == "bad_request":
        field = rng.choice(("quantity", "coupon", "shipping_address"))
        return f"rejected request for order {order}: invalid {field}"
    raise ValueError(f"unknown fault kind {kind!r}; expected one of {', '.join(KINDS)}")


def status_for(kind: str) -> int:
    """A client error (the caller's fault) for bad requests, a server error for the rest."""
    if kind == "bad_request":
        return 400
    return 503 if kind in ("provider_timeout", "upstream_unavailable") else 500


@dataclass(frozen=True)
class Fault:
    """A failure mode on one route ("*" for every route) of one service."""

    route: str
    error_rate: float = 0.0
    latency_ms: int = 0
    kind: str = "db_timeout"
    expires_at: float | None = None
    # The route writes no log lines while the fault lasts: a service whose logs are not shipped.
    mute_logs: bool = False

    @staticmethod
    def from_request(body: dict, now: float) -> Fault:
        route = str(body.get("route", "*"))
        error_rate = float(body.get("error_rate", 0.0))
        latency_ms = int(body.get("latency_ms", 0))
        kind = str(body.get("kind", "db_timeout"))
        ttl = body.get("ttl_seconds")
        mute_logs = body.get("mute_logs", False)
        if not isinstance(mute_logs, bool):
            raise ValueError("mute_logs must be true or false")
        if not 0.0 <= error_rate <= 1.0:
            raise ValueError("error_rate must be between 0 and 1")
        if not 0 <= latency_ms <= 30000:
            raise ValueError("latency_ms must be between 0 and 30000")
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}")
        if not route.startswith("/") and route != "*":
            raise ValueError('route must be a route template such as "/checkout", or "*"')
        expires_at = now + float(ttl) if ttl is not None else None
        return Fault(
            route=route,
            error_rate=error_rate,
            latency_ms=latency_ms,
            kind=kind,
            expires_at=expires_at,
            mute_logs=mute_logs,
        )

    def to_json(self) -> dict:
        return asdict(self)


class FaultRegistry:
    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._faults: dict[str, Fault] = {}

    def set(self, fault: Fault) -> None:
        with self._lock:
            self._faults[fault.route] = fault

    def clear(self, route: str | None = None) -> None:
        with self._lock:
            if route is None:
                self._faults.clear()
            else:
                self._faults.pop(route, None)

    def active(self, route: str) -> Fault | None:
        """The fault for this route (an exact one wins over "*"), dropping expired ones."""
        now = self._clock()
        with self._lock:
            for key in (route, "*"):
                fault = self._faults.get(key)
                if fault is None:
                    continue
                if fault.expires_at is not None and fault.expires_at <= now:
                    del self._faults[key]
                    continue
                return fault
        return None

    def snapshot(self) -> list[dict]:
        with self._lock:
            return [f.to_json() for f in self._faults.values()]
