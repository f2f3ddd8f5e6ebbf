"""Scenarios as pure schedules: phases with start, duration and the faults injected during them.

Nothing here does I/O, so the schedule of every scenario is unit-tested; `main.py` plays it.
"""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass, field

SCENARIOS = (
    "steady",
    "error-burst",
    "latency",
    "downstream-failure",
    "recovery",
    "two-faults",
    "client-errors",
    "background-errors",
    "silent-downstream",
)


@dataclass(frozen=True)
class Injection:
    """One fault set on one service through its `/admin/fault` endpoint."""

    service: str
    route: str
    error_rate: float = 0.0
    latency_ms: int = 0
    kind: str | None = None
    # The faulty route writes no logs while the fault lasts (a service whose logs are not shipped).
    mute_logs: bool = False

    def request_body(self, ttl_seconds: float) -> dict:
        body: dict = {"route": self.route, "error_rate": self.error_rate, "latency_ms": self.latency_ms}
        if self.kind:
            body["kind"] = self.kind
        if self.mute_logs:
            body["mute_logs"] = True
        # The fault expires by itself shortly after its phase, even if the generator dies.
        body["ttl_seconds"] = round(ttl_seconds, 1)
        return body


@dataclass(frozen=True)
class Phase:
    name: str
    start_s: float
    duration_s: float
    injections: tuple[Injection, ...] = field(default_factory=tuple)

    @property
    def end_s(self) -> float:
        return self.start_s + self.duration_s

    def to_json(self) -> dict:
        return asdict(self)


# The traffic mix of the shop front: (method, path template, weight). `{id}` is filled at random.
MIX: tuple[tuple[str, str, float], ...] = (
    ("GET", "/", 3.0),
    ("GET", "/products", 4.0),
    ("GET", "/products/{id}", 3.0),
    ("GET", "/cart", 2.0),
    ("POST", "/checkout", 3.0),
    ("GET", "/error", 0.15),
)

ERROR_BURST = Injection("sample-app", "/checkout", error_rate=0.7, kind="db_timeout")
LATENCY = Injection("sample-app", "/products", latency_ms=900)
LATENCY_DOWNSTREAM = Injection("payments", "/charge", latency_ms=600)
DOWNSTREAM_FAILURE = Injection("payments", "/charge", error_rate=0.9, kind="provider_timeout")
PRODUCTS_FAILURE = Injection("sample-app", "/products", error_rate=0.6, kind="db_timeout")
CLIENT_ERRORS = Injection("sample-app", "/checkout", error_rate=0.8, kind="bad_request")
# Errors present before the failure and through it: steady, not new.
BACKGROUND_ERRORS = Injection("payments", "/charge", error_rate=0.15, kind="provider_timeout")
SILENT_DOWNSTREAM = Injection("payments", "/charge", error_rate=0.9, kind="provider_timeout", mute_logs=True)

# Faults of each failure scenario's failure phase.
FAILURES: dict[str, tuple[str, tuple[Injection, ...]]] = {
    "error-burst": ("error-burst", (ERROR_BURST,)),
    "latency": ("latency", (LATENCY, LATENCY_DOWNSTREAM)),
    "downstream-failure": ("downstream-failure", (DOWNSTREAM_FAILURE,)),
    "recovery": ("downstream-failure", (DOWNSTREAM_FAILURE,)),
    "two-faults": ("two-faults", (DOWNSTREAM_FAILURE, PRODUCTS_FAILURE)),
    "client-errors": ("client-errors", (CLIENT_ERRORS,)),
    "background-errors": ("background-errors", (PRODUCTS_FAILURE,)),
    "silent-downstream": ("silent-downstream", (SILENT_DOWNSTREAM,)),
}
# Faults present in every phase of a scenario, before, during and after its failure.
BACKGROUND: dict[str, tuple[Injection, ...]] = {"background-errors": (BACKGROUND_ERRORS,)}


def _split(duration_s: float, fractions: list[tuple[str, float, tuple[Injection, ...]]]) -> list[Phase]:
    phases = []
    start = 0.0
    for i, (name, fraction, injections) in enumerate(fractions):
        # The last phase takes what is left, so that phases always add up to the duration.
        length = duration_s - start if i == len(fractions) - 1 else round(duration_s * fraction, 1)
        phases.append(Phase(name, round(start, 1), round(length, 1), injections))
        start += length
    return phases


def schedule(scenario: str, duration_s: float, baseline_s: float | None = None) -> list[Phase]:
    """Phases of a scenario lasting `duration_s`.

    Failure scenarios start with a healthy baseline (a quarter of the duration unless
    `baseline_s` is given), then the failure, then a short healthy tail so that the end of the
    injection is visible; `recovery` shows the failure briefly and the way back at length.
    """
    if scenario not in SCENARIOS:
        raise ValueError(f"unknown scenario {scenario!r}; expected one of {', '.join(SCENARIOS)}")
    if duration_s <= 0:
        raise ValueError("duration must be positive")
    if scenario == "steady":
        return [Phase("steady", 0.0, float(duration_s))]
    base = 0.25 if baseline_s is None else min(0.9, baseline_s / duration_s)
    name, injections = FAILURES[scenario]
    background = BACKGROUND.get(scenario, ())
    if scenario == "recovery":
        return _split(duration_s, [("baseline", base, ()), (name, 0.2, injections), ("recovery", 0.0, ())])
    rest = 1.0 - base
    return _split(
        duration_s,
        [("baseline", base, background), (name, rest * 0.8, background + injections), ("recovery", 0.0, background)],
    )


def pick_request(rng: random.Random, mix: tuple[tuple[str, str, float], ...] = MIX) -> tuple[str, str, str]:
    """(method, path, route template) of the next request."""
    method, template, _ = rng.choices(mix, weights=[w for _, _, w in mix])[0]
    path = template.replace("{id}", str(rng.randint(1, 500)))
    return method, path, template
