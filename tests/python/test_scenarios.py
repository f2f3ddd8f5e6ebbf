import itertools
import random

import pytest

from traffic_generator.scenarios import (
    DOWNSTREAM_FAILURE,
    ERROR_BURST,
    MIX,
    SCENARIOS,
    Injection,
    pick_request,
    schedule,
)


@pytest.mark.parametrize("scenario", SCENARIOS)
@pytest.mark.parametrize("duration", [10, 60, 90.5, 600])
def test_phases_are_contiguous_and_cover_the_duration(scenario, duration):
    phases = schedule(scenario, duration)
    assert phases[0].start_s == 0
    for a, b in itertools.pairwise(phases):
        assert b.start_s == pytest.approx(a.end_s)
    assert phases[-1].end_s == pytest.approx(duration)
    assert all(p.duration_s > 0 for p in phases)


def test_steady_injects_nothing():
    assert [(p.name, p.injections) for p in schedule("steady", 30)] == [("steady", ())]


def test_failure_scenarios_start_healthy_and_end_healthy():
    for scenario in ("error-burst", "latency", "downstream-failure", "recovery"):
        phases = schedule(scenario, 100)
        assert phases[0].name == "baseline" and phases[0].injections == ()
        assert phases[-1].name == "recovery" and phases[-1].injections == ()
        assert any(p.injections for p in phases[1:-1])


def test_downstream_failure_schedule():
    phases = schedule("downstream-failure", 80, baseline_s=20)
    assert [(p.name, p.start_s, p.duration_s) for p in phases] == [
        ("baseline", 0.0, 20.0),
        ("downstream-failure", 20.0, 48.0),
        ("recovery", 68.0, 12.0),
    ]
    assert phases[1].injections == (DOWNSTREAM_FAILURE,)
    assert DOWNSTREAM_FAILURE.service == "payments" and DOWNSTREAM_FAILURE.route == "/charge"


def test_error_burst_hits_one_route():
    (burst,) = [p for p in schedule("error-burst", 60) if p.injections]
    assert burst.injections == (ERROR_BURST,)
    assert {i.route for i in burst.injections} == {"/checkout"}


def test_recovery_spends_most_time_recovering():
    phases = schedule("recovery", 100)
    assert phases[-1].duration_s > phases[1].duration_s


def test_unknown_scenario_and_bad_duration():
    with pytest.raises(ValueError):
        schedule("meteor", 10)
    with pytest.raises(ValueError):
        schedule("steady", 0)


def test_injection_body_expires():
    body = Injection("payments", "/charge", error_rate=0.5, kind="provider_timeout").request_body(30)
    assert body == {
        "route": "/charge",
        "error_rate": 0.5,
        "latency_ms": 0,
        "kind": "provider_timeout",
        "ttl_seconds": 30,
    }


def test_mix_covers_routes_with_templates():
    rng = random.Random(1)
    seen = {pick_request(rng)[2] for _ in range(2000)}
    assert seen == {t for _, t, _ in MIX}
    method, path, _ = next((m, p, t) for m, p, t in (pick_request(rng) for _ in range(100)) if "{id}" in t)
    assert method == "GET" and path.startswith("/products/") and path.split("/")[-1].isdigit()


def test_background_errors_last_through_every_phase_and_the_new_fault_only_through_the_failure():
    phases = schedule("background-errors", 100, baseline_s=40)
    assert [p.name for p in phases] == ["baseline", "background-errors", "recovery"]
    background = phases[0].injections
    assert background and all(inj.service == "payments" for inj in background)
    assert phases[1].injections[: len(background)] == background
    assert phases[2].injections == background
    assert any(inj.route == "/products" for inj in phases[1].injections)


def test_silent_downstream_mutes_the_faulty_route_logs():
    body = schedule("silent-downstream", 60)[1].injections[0].request_body(30)
    assert body["mute_logs"] is True and body["route"] == "/charge"
