"""The page's whole pipeline (analyzeService) on the native stack names where the failure starts.

Scenario `downstream-failure`: payments /charge fails with "payment provider timeout ..."; seen
from sample-app's page, payments /charge is the probable root cause and sample-app's own pattern
("checkout failed ... payments returned 503") is a symptom.
"""

from __future__ import annotations

import json
import subprocess

import pytest

from .conftest import CLI, eventually
from .test_stack import settle

pytestmark = pytest.mark.integration


def analyze(stack: dict, queries, service: str, from_s: float, to_s: float) -> dict:
    """`queries_cli.ts analyze`: the Services page's pipeline, its queries sent over HTTP."""
    assert queries  # the fixture bundles the CLI
    cmd = ["node", str(CLI), "analyze", "--service", service]
    cmd += ["--from", str(int(from_s * 1000)), "--to", str(int(to_s * 1000))]
    cmd += ["--prometheus", stack["prometheus"], "--loki", stack["loki"], "--tempo", stack["tempo"]]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=True)
    return json.loads(out.stdout)["analysis"]


def test_payments_charge_is_named_from_sample_app(stack, downstream_failure, queries):
    played = downstream_failure
    settle(played)
    f0, f1 = played.failure

    def named():
        analysis = analyze(stack, queries, "sample-app", f0, f1)
        rc = analysis["rootCause"]
        assert rc["status"] == "ok", rc
        value = rc["value"]
        assert value["status"] == "found", value["summary"]
        top = value["candidates"][0]
        assert (top["service"], top["route"]) == ("payments", "/charge"), value["candidates"][:3]
        assert top["template"] == "payment provider timeout after <*> for order <*>", top
        assert top["path"] == ["sample-app", "payments"]
        # sample-app's own pattern of the failing call is ranked as the symptom it is. (sample-app may
        # have other candidates too: its steady ~1 % of GET /error fails on its own, unexplained.)
        own = [c for c in value["candidates"] if c["service"] == "sample-app"]
        symptoms = [c for c in own if "payments" in (c.get("template") or "")]
        assert symptoms, value["candidates"]
        symptom = symptoms[0]
        assert "names its failing dependency payments" in symptom["evidence"][0]
        assert symptom["score"] < top["score"]
        # The patterns were compared with the window before the failure: the timeout is new there.
        dominant = analysis["logs"]["value"]["dominant"]
        assert dominant["baseline"]["trend"] == "new", dominant.get("baseline")
        return analysis

    analysis = eventually(named, timeout=60, interval=5)
    # Confidence reads the ranked cause: the dominant pattern names payments.
    details = [f["detail"] for f in analysis["confidence"]["value"]["factors"]]
    assert any("names the probable root cause payments" in d for d in details), details


def test_healthy_payments_has_no_root_cause_before_the_failure(stack, downstream_failure, queries):
    played = downstream_failure
    settle(played)
    b0, b1 = played.baseline
    rc = analyze(stack, queries, "payments", b0 + 2, b1)["rootCause"]["value"]
    assert rc["status"] == "none", rc["summary"]
