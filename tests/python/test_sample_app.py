import json
import logging
import random
import threading
import urllib.error
import urllib.request
from http.server import ThreadingHTTPServer

import pytest

from sample_app.app import PAYMENTS_ROUTES, SAMPLE_APP_ROUTES, Service, make_handler, match_route
from sample_app.faults import KINDS, Fault, FaultRegistry, error_message
from sample_app.loki import build_push_body
from sample_app.telemetry import JsonFormatter


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_fault_registry_exact_route_wins_and_expires():
    clock = Clock()
    reg = FaultRegistry(clock)
    reg.set(Fault("*", error_rate=0.1))
    reg.set(Fault("/checkout", error_rate=0.9, expires_at=1010.0))
    assert reg.active("/checkout").error_rate == 0.9
    assert reg.active("/cart").error_rate == 0.1
    clock.now = 1010.0
    assert reg.active("/checkout").error_rate == 0.1
    reg.clear()
    assert reg.active("/checkout") is None


@pytest.mark.parametrize(
    "body",
    [{"error_rate": 2}, {"latency_ms": -1}, {"kind": "gremlins"}, {"route": "checkout"}],
)
def test_fault_validation(body):
    with pytest.raises(ValueError):
        Fault.from_request(body, 0)


def test_error_messages_vary_but_keep_their_template():
    rng = random.Random(3)
    for kind in KINDS:
        lines = {error_message(kind, rng) for _ in range(20)}
        assert len(lines) > 10, kind
    line = error_message("provider_timeout", rng, "8f2c1a9e0b7d", 2534)
    assert line == "payment provider timeout after 2534ms for order 8f2c1a9e0b7d"


def test_route_matching():
    route, params, _ = match_route(SAMPLE_APP_ROUTES, "GET", "/products/42")
    assert route.template == "/products/{id}" and params == {"id": "42"}
    assert match_route(SAMPLE_APP_ROUTES, "DELETE", "/cart")[0] is None
    assert match_route(SAMPLE_APP_ROUTES, "DELETE", "/cart")[2] is True
    assert match_route(PAYMENTS_ROUTES, "POST", "/charge")[0].template == "/charge"


def test_loki_push_body_groups_streams_in_order():
    body = build_push_body(
        [
            ({"service_name": "a", "level": "info"}, 1, "x"),
            ({"level": "error", "service_name": "a"}, 2, "y"),
            ({"level": "info", "service_name": "a"}, 3, "z"),
        ]
    )
    assert body == {
        "streams": [
            {"stream": {"level": "info", "service_name": "a"}, "values": [["1", "x"], ["3", "z"]]},
            {"stream": {"level": "error", "service_name": "a"}, "values": [["2", "y"]]},
        ]
    }


class Lines(logging.Handler):
    """Keeps the JSON lines a service writes, parsed."""

    def __init__(self, service):
        super().__init__()
        self.setFormatter(JsonFormatter(service))
        self.docs = []

    def emit(self, record):
        self.docs.append(json.loads(self.format(record)))


@pytest.fixture
def services():
    """payments and sample-app on ephemeral loopback ports, no OTLP or Loki; their logs in `.logs`."""
    servers = []
    logs = []

    def start(svc):
        handler = Lines(svc.name)
        svc.log.addHandler(handler)
        logs.append(handler)
        srv = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(svc))
        srv.daemon_threads = True
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        servers.append(srv)
        return f"http://127.0.0.1:{srv.server_address[1]}"

    payments = Service("payments", PAYMENTS_ROUTES, seed=1)
    pay_url = start(payments)
    app = Service("sample-app", SAMPLE_APP_ROUTES, payments_url=pay_url, seed=2)
    app_url = start(app)
    yield app_url, pay_url, logs
    for s in servers:
        s.shutdown()


def call(method, url, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def test_routes_metrics_and_logs(services):
    app, _, handlers = services
    assert call("GET", app + "/")[0] == 200
    assert call("GET", app + "/error")[0] == 500
    assert call("POST", app + "/checkout")[0] == 200
    assert call("GET", app + "/nope")[0] == 404
    status, metrics = call("GET", app + "/metrics")
    text = metrics.decode()
    assert status == 200
    assert (
        'http_server_request_duration_seconds_count{http_request_method="GET",http_response_status_code="500",'
        'http_route="/error",service_name="sample-app"} 1.0'
    ) in text
    assert 'le="0.25"' in text and "_created" not in text
    logs = [d for h in handlers for d in h.docs]
    err = next(x for x in logs if x["level"] == "error")
    assert {"level", "message", "route", "status", "trace_id", "span_id"} <= err.keys()
    assert err["route"] == "/error" and err["status"] == 500 and len(err["trace_id"]) == 32


def test_downstream_failure_propagates_with_the_trace(services):
    app, pay, handlers = services
    fault = {"route": "/charge", "error_rate": 1.0, "kind": "provider_timeout"}
    status, body = call("POST", pay + "/admin/fault", fault)
    assert status == 200 and json.loads(body)["faults"][0]["kind"] == "provider_timeout"
    status, _ = call("POST", app + "/checkout?order=abc123def456")
    assert status == 502
    logs = [d for h in handlers for d in h.docs]
    errors = {x["service_name"]: x for x in logs if x["level"] == "error"}
    assert errors["payments"]["message"].startswith("payment provider timeout after ")
    assert errors["payments"]["message"].endswith("ms for order abc123def456")
    assert errors["sample-app"]["message"].startswith("checkout failed for order abc123def456: payments returned 503")
    # W3C trace context crossed the call: both lines carry the same trace id.
    assert errors["payments"]["trace_id"] == errors["sample-app"]["trace_id"]
    assert call("DELETE", pay + "/admin/fault")[0] == 200
    assert call("POST", app + "/checkout")[0] == 200
    assert call("POST", pay + "/admin/fault", {"route": "/charge", "error_rate": 3})[0] == 400


def test_client_errors_are_warnings_and_muted_routes_log_nothing(services):
    app, pay, handlers = services
    assert (
        call("POST", app + "/admin/fault", {"route": "/checkout", "error_rate": 1.0, "kind": "bad_request"})[0] == 200
    )
    assert call("POST", app + "/checkout?order=0000aaaa1111")[0] == 400
    logs = [d for h in handlers for d in h.docs]
    rejected = [x for x in logs if x.get("message", "").startswith("rejected request for order 0000aaaa1111")]
    assert rejected and rejected[0]["level"] == "warning" and rejected[0]["status"] == 400
    assert call("DELETE", app + "/admin/fault")[0] == 200

    silent = {"route": "/charge", "error_rate": 1.0, "kind": "provider_timeout", "mute_logs": True}
    assert call("POST", pay + "/admin/fault", silent)[0] == 200
    before = [len(h.docs) for h in handlers]
    assert call("POST", app + "/checkout?order=0000bbbb2222")[0] == 502
    new = [d for h, n in zip(handlers, before, strict=True) for d in h.docs[n:]]
    # Only sample-app writes its error line; payments failed without a word.
    assert {d["service_name"] for d in new if "0000bbbb2222" in d.get("message", "")} == {"sample-app"}
    assert call("POST", pay + "/admin/fault", {"route": "/charge", "mute_logs": "yes"})[0] == 400
    assert call("DELETE", pay + "/admin/fault")[0] == 200
