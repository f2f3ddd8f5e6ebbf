"""The servers show what the traffic generator injected, seen through the plugin's own queries.

On the native stack Loki and Tempo are our API doubles (see conftest.py and docs/ENVIRONMENT.md):
what these tests check there is that the sample services' telemetry, the plugin's queries and its
engine fit together over the documented APIs; run them against the real servers with the
RCP_*_URL variables.

Scenario `downstream-failure`: a healthy baseline, then payments /charge fails 90% of the time
with "payment provider timeout after <ms>ms for order <id>", so sample-app /checkout fails too.
"""

from __future__ import annotations

import json
import time

import pytest

from .conftest import Played, eventually, get_json

pytestmark = pytest.mark.integration


def prom_value(prom_url: str, expr: str, at: float, by: str | None = None):
    """An instant query at `at`: one number, or {label value: number} with `by`."""
    doc = get_json(f"{prom_url}/api/v1/query", {"query": expr, "time": f"{at:.3f}"})
    assert doc["status"] == "success", doc
    result = doc["data"]["result"]
    if by is None:
        return float(result[0]["value"][1]) if result else 0.0
    return {r["metric"].get(by, ""): float(r["value"][1]) for r in result}


def summary(prom_url: str, q: dict, at: float) -> dict[str, float]:
    return {t["refId"]: prom_value(prom_url, t["expr"], at) for t in q["prometheus"]["summary"][:3]}


def ratio(s: dict[str, float]) -> float:
    return s["range_errors"] / s["range_requests"] if s["range_requests"] else 0.0


def loki_raw_lines(loki_url: str, expr: str, start: float, end: float, limit: int) -> list[dict]:
    """Lines as the page receives them: raw text with a millisecond timestamp."""
    params = {"query": expr, "start": str(int(start * 1e9)), "end": str(int(end * 1e9)), "limit": str(limit)}
    doc = get_json(f"{loki_url}/loki/api/v1/query_range", params)
    return [
        {"timestampMs": int(ts) // 1_000_000, "line": line}
        for stream in doc["data"]["result"]
        for ts, line in stream["values"]
    ]


def loki_lines(loki_url: str, expr: str, start: float, end: float, limit: int) -> list[dict]:
    return [json.loads(raw["line"]) for raw in loki_raw_lines(loki_url, expr, start, end, limit)]


def settle(played: Played, seconds: float = 12.0) -> None:
    """Gives the last scrape, Loki's batch push and the span exporter time to land."""
    time.sleep(max(0.0, played.end + seconds - time.time()))


@pytest.mark.parametrize(
    ("service", "failing_route", "min_failure_ratio"),
    [("payments", "/charge", 0.6), ("sample-app", "/checkout", 0.08)],
)
def test_error_rate_rises(stack, downstream_failure, queries, service, failing_route, min_failure_ratio):
    played = downstream_failure
    settle(played)
    (b0, b1), (f0, f1) = played.baseline, played.failure
    prom = stack["prometheus"]
    # The query builders are pure: build once; only the Prometheus answers are retried.
    q_base = queries(service, b0 + 5, b1)
    q_fail = queries(service, f0 + 5, f1)
    q_rate = queries(service, f0, f1, window=30)

    def check():
        # The page's summary queries, over the baseline and over the failure, evaluated at their ends.
        base = summary(prom, q_base, b1)
        fail = summary(prom, q_fail, f1)
        assert base["range_requests"] > 20, base
        assert fail["range_requests"] > 20, fail
        assert ratio(base) < 0.05, (service, "baseline", base)
        assert ratio(fail) > min_failure_ratio, (service, "failure", fail)
        # The page's error rate (rate() over 30 s) at the end of the failure, against the baseline's.
        assert (
            prom_value(prom, q_rate["prometheus"]["errorRate"], f1)
            > 5 * prom_value(prom, q_rate["prometheus"]["errorRate"], b1) + 0.05
        )
        # Errors by route point at the failing route.
        by_route = prom_value(prom, q_fail["prometheus"]["summary"][3]["expr"], f1, "http_route")
        assert max(by_route, key=by_route.get) == failing_route, by_route
        return True

    eventually(check, timeout=60)


@pytest.mark.parametrize(
    ("service", "expected", "route"),
    [
        ("payments", "payment provider timeout after <*> for order <*>", "/charge"),
        ("sample-app", "checkout failed for order <*> payments returned <*> after <*>", "/checkout"),
    ],
)
def test_injected_error_pattern_dominates(stack, downstream_failure, queries, service, expected, route):
    played = downstream_failure
    settle(played)
    f0, f1 = played.failure
    q = queries(service, f0, f1, window=int(f1 - f0) + 1)
    limit = q["settings"]["logs"]["lineLimit"]

    def lines():
        got = loki_raw_lines(stack["loki"], q["loki"]["errorLines"], f0, f1 + 2, limit)
        assert len(got) >= 20, f"{len(got)} error lines for {service}"
        return got

    error_lines = eventually(lines, timeout=60)
    # The Patterns section's own analysis: parse, mine, group by route, status and template.
    logs = queries.analyze_logs(error_lines)
    top = logs["dominant"]
    assert top["template"] == expected, logs["patterns"][:5]
    assert top["route"] == route, top
    assert top["status"].startswith("5"), top
    assert top["share"] >= 0.8, logs["patterns"][:5]
    assert logs["traceIds"], "the error lines carry trace ids"
    # The exact count from the page's metric query agrees with the lines returned.
    count = get_json(
        f"{stack['loki']}/loki/api/v1/query", {"query": q["loki"]["errorCount"], "time": str(int((f1 + 1) * 1e9))}
    )
    total = sum(float(r["value"][1]) for r in count["data"]["result"])
    assert total >= len(error_lines) * 0.95, (total, len(error_lines))


def trace_services(doc: dict) -> tuple[set[str], int]:
    """Service names and error spans of a trace in OTLP JSON: Tempo's /api/traces and /api/v2/traces,
    Jaeger's /api/v3/traces."""
    services, errors = set(), 0
    batches = (
        doc.get("batches")
        or doc.get("resourceSpans")
        or doc.get("trace", {}).get("resourceSpans")
        or doc.get("result", {}).get("resourceSpans")
        or []
    )
    for batch in batches:
        attrs = {a["key"]: a["value"].get("stringValue") for a in batch.get("resource", {}).get("attributes", [])}
        services.add(attrs.get("service.name"))
        for scope in batch.get("scopeSpans") or batch.get("instrumentationLibrarySpans") or []:
            for span in scope.get("spans", []):
                if span.get("status", {}).get("code") in ("STATUS_CODE_ERROR", 2):
                    errors += 1
    return services, errors


def error_log_trace_ids(stack, played: Played, queries) -> list[str]:
    """The first trace ids named by sample-app's error lines during the failure."""
    f0, f1 = played.failure
    q = queries("sample-app", f0, f1)
    trace_field = q["settings"]["logs"]["traceIdField"]
    docs = eventually(lambda: loki_lines(stack["loki"], q["loki"]["errorLines"], f0, f1 + 2, 50), timeout=60)
    trace_ids = [d[trace_field] for d in docs if d.get(trace_field)][:5]
    assert len(trace_ids) >= 3, docs[:3]
    return trace_ids


def assert_error_traces_cross_both_services(stack, played: Played, queries, trace_url: str) -> None:
    """Each trace named by the error logs, fetched at `trace_url` + id, holds both services' spans
    (W3C propagation) and marks the failure on at least two of them."""
    settle(played)
    for trace_id in error_log_trace_ids(stack, played, queries):
        doc = eventually(lambda tid=trace_id: get_json(f"{trace_url}{tid}"), timeout=60)
        services, errors = trace_services(doc)
        assert {"sample-app", "payments"} <= services, (trace_id, services)
        assert errors >= 2, (trace_id, errors)


@pytest.mark.parametrize("api", ["/api/traces/", "/api/v2/traces/"])
def test_trace_ids_from_logs_resolve_in_tempo(stack, downstream_failure, queries, api):
    assert_error_traces_cross_both_services(stack, downstream_failure, queries, stack["tempo"] + api)


def test_trace_ids_from_logs_resolve_in_jaeger(stack, downstream_failure, queries):
    if "jaeger" not in stack:
        pytest.skip("no Jaeger among the external servers (RCP_JAEGER_URL)")
    # Jaeger keeps the same spans it forwarded to the Tempo double.
    assert_error_traces_cross_both_services(stack, downstream_failure, queries, stack["jaeger"] + "/api/v3/traces/")


def test_service_graph_edge_between_the_sample_services(stack, downstream_failure, queries):
    played = downstream_failure
    settle(played)
    start, end = played.baseline[0], played.end
    q = queries("sample-app", start, end)
    deps = {t["refId"]: t["expr"] for t in q["prometheus"]["dependencies"]}
    prom = stack["prometheus"]

    def edges():
        got = {}
        for ref in ("graph_requests", "graph_failed"):
            doc = get_json(f"{prom}/api/v1/query", {"query": deps[ref], "time": f"{end + 10:.3f}"})
            for r in doc["data"]["result"]:
                got[(ref, r["metric"].get("client"), r["metric"].get("server"))] = float(r["value"][1])
        assert got.get(("graph_requests", "sample-app", "payments"), 0) > 10, got
        assert got.get(("graph_failed", "sample-app", "payments"), 0) > 5, got
        return got

    eventually(edges, timeout=90, interval=5)
    raw = prom_value(prom, 'sum(traces_service_graph_request_total{client="sample-app",server="payments"})', end + 10)
    assert raw > 10


def test_slo_rules_burn_rates_equal_the_page(stack, downstream_failure, queries):
    """The generated recording rules, evaluated by Prometheus, give the page's burn rates, and the
    generated alerts fire exactly when the page says a rule fires (same data, same time)."""
    played = downstream_failure
    settle(played)
    prom = stack["prometheus"]
    at = played.failure[1]
    q = queries("payments", at - 3600, at)
    refs = {t["refId"]: t["expr"] for t in q["prometheus"]["summary"]}
    group = q["prometheus"]["sloRules"]
    records = {r["record"]: r for r in group["rules"] if "record" in r}
    alerts = {r["alert"]: r for r in group["rules"] if "alert" in r}
    budget = float(records["slo:error_budget:ratio"]["expr"].removeprefix("vector(").removesuffix(")"))
    windows = ["5m", "30m", "1h", "2h", "6h", "1d", "3d"]
    period_days = q["settings"]["slo"]["default"]["periodDays"]
    period = f"period_requests_{period_days * 86400}s"

    def check():
        counts = {
            w: {
                "requests": prom_value(prom, refs[f"burn_requests_{w}"], at),
                "errors": prom_value(prom, refs[f"burn_errors_{w}"], at),
            }
            for w in windows
        }
        page = queries.slo(
            {
                "windows": counts,
                "period": {
                    "requests": prom_value(prom, refs[period], at),
                    "errors": prom_value(prom, refs[period.replace("requests", "errors")], at),
                },
                "objective": q["settings"]["slo"]["default"],
            }
        )
        by_window = {w["window"]: w["burnRate"] for w in page["windows"]}
        assert by_window["5m"] is not None and by_window["5m"] > 1, by_window
        for w in windows:
            rule_ratio = prom_value(prom, records[f"slo:sli_error:ratio_rate{w}"]["expr"], at)
            assert rule_ratio / budget == pytest.approx(by_window[w], rel=1e-9), w
        # The alerts read the recorded series; evaluated here, their ratios come from the rule
        # expressions themselves (the same expression Prometheus records).
        for rule in page["rules"]:
            name = "SLOBurnRate" + "".join(p.capitalize() for p in rule["id"].split("-"))
            expr = alerts[name]["expr"]
            for w in (rule["long"], rule["short"]):
                recorded = records[f"slo:sli_error:ratio_rate{w}"]
                selector = "slo:sli_error:ratio_rate" + w + "{"
                labels = ", ".join(f'{k}="{v}"' for k, v in recorded["labels"].items() if k != "sloth_window")
                expr = expr.replace(
                    selector + labels + "}", f"label_replace({recorded['expr']}, 'sloth_window', '{w}', '', '')"
                )
            firing = bool(prom_value(prom, expr, at, by="service_name"))
            assert firing == rule["firing"], (rule, expr)
        return True

    eventually(check, timeout=60)
