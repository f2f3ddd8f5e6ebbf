"""The Tempo API double (doubles/tempo_double) over real HTTP, with OTLP built by opentelemetry-proto."""

import base64
import contextlib
import gzip
import http.client as http_client
import json
import os
import re
import signal
import subprocess
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from google.rpc import status_pb2
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.trace.v1.trace_pb2 import Span, Status, TracesData
from prometheus_client.parser import text_string_to_metric_families

from tempo_double import TempoDouble, serve
from tempo_double.generator import SERVICE_GRAPH_WAIT_SECONDS, SPAN_METRICS_BUCKETS

REPO = Path(__file__).resolve().parents[2]
TRACE = bytes.fromhex("00f067aa0ba902b7a3ce929d0e0e4736")
OTHER_TRACE = bytes.fromhex("5b8efff798038103d269b633813fc60c")
CLIENT_SPAN = bytes.fromhex("00f067aa0ba902b7")
SERVER_SPAN = bytes.fromhex("53995c3f42cd8ad8")
ROOT_SPAN = bytes.fromhex("a1b2c3d4e5f60718")
T0 = 1_700_000_000_000_000_000  # ns


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def attr(key: str, value) -> KeyValue:
    if isinstance(value, bool):
        return KeyValue(key=key, value=AnyValue(bool_value=value))
    if isinstance(value, int):
        return KeyValue(key=key, value=AnyValue(int_value=value))
    return KeyValue(key=key, value=AnyValue(string_value=value))


def span(trace_id, span_id, name, kind, start_ms, duration_ms, parent=b"", error=False, **attributes) -> Span:
    return Span(
        trace_id=trace_id,
        span_id=span_id,
        parent_span_id=parent,
        name=name,
        kind=kind,
        start_time_unix_nano=T0 + start_ms * 1_000_000,
        end_time_unix_nano=T0 + (start_ms + duration_ms) * 1_000_000,
        status=Status(code=Status.STATUS_CODE_ERROR if error else Status.STATUS_CODE_UNSET),
        attributes=[attr(k.replace("__", "."), v) for k, v in attributes.items()],
    )


def export(*services: tuple[str, list[Span]]) -> ExportTraceServiceRequest:
    request = ExportTraceServiceRequest()
    for service, spans in services:
        resource_spans = request.resource_spans.add()
        resource_spans.resource.attributes.append(attr("service.name", service))
        resource_spans.scope_spans.add().spans.extend(spans)
    return request


def checkout_trace(failed: bool = True) -> tuple[ExportTraceServiceRequest, ExportTraceServiceRequest]:
    """sample-app's /checkout calling payments' /charge, as the two services export them."""
    sample_app = (
        "sample-app",
        [
            span(
                TRACE, ROOT_SPAN, "POST /checkout", Span.SPAN_KIND_SERVER, 0, 250, error=failed, http__route="/checkout"
            ),
            span(
                TRACE,
                CLIENT_SPAN,
                "POST /charge",
                Span.SPAN_KIND_CLIENT,
                10,
                220,
                parent=ROOT_SPAN,
                error=failed,
                peer__service="payments",
            ),
        ],
    )
    payments = (
        "payments",
        [
            span(
                TRACE,
                SERVER_SPAN,
                "POST /charge",
                Span.SPAN_KIND_SERVER,
                20,
                200,
                parent=CLIENT_SPAN,
                error=failed,
                http__route="/charge",
                http__response__status_code=502 if failed else 200,
            )
        ],
    )
    return export(sample_app), export(payments)


class Http:
    def __init__(self, base: str):
        self.base = base

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        req = urllib.request.Request(self.base + path, data=body, method=method, headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                return resp.status, resp.headers, resp.read()
        except urllib.error.HTTPError as e:
            return e.code, e.headers, e.read()

    def get(self, path: str, accept: str | None = None, **params):
        query = ("?" + urllib.parse.urlencode(params)) if params else ""
        return self.request("GET", path + query, headers={"Accept": accept} if accept else {})

    def get_json(self, path: str, **params):
        status, _, body = self.get(path, **params)
        assert status == 200, body
        return json.loads(body)

    def push(self, request: ExportTraceServiceRequest, compress: bool = True):
        body = request.SerializeToString()
        headers = {"Content-Type": "application/x-protobuf"}
        if compress:  # the Collector's otlphttp exporter compresses with gzip by default
            body = gzip.compress(body)
            headers["Content-Encoding"] = "gzip"
        return self.request("POST", "/v1/traces", body, headers)

    def metrics(self) -> dict[tuple[str, frozenset], float]:
        status, headers, body = self.get("/metrics")
        assert status == 200 and headers["Content-Type"].startswith("text/plain; version=0.0.4")
        samples = {}
        for family in text_string_to_metric_families(body.decode()):
            for sample in family.samples:
                samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
        return samples


@contextlib.contextmanager
def running(double: TempoDouble):
    server = serve(double, "127.0.0.1", 0)
    # A short poll interval keeps shutdown() quick between tests.
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield Http(f"http://127.0.0.1:{server.server_address[1]}")
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def http(clock):
    with running(TempoDouble(clock=clock)) as client:
        yield client


def read_fields(data: bytes) -> dict[int, list]:
    """A minimal protobuf wire reader for the tempopb wrapper, which opentelemetry-proto lacks."""

    def varint(pos):
        value = shift = 0
        while True:
            byte = data[pos]
            value |= (byte & 0x7F) << shift
            pos += 1
            shift += 7
            if not byte & 0x80:
                return value, pos

    fields: dict[int, list] = {}
    pos = 0
    while pos < len(data):
        tag, pos = varint(pos)
        if tag & 7 == 0:
            value, pos = varint(pos)
        else:
            assert tag & 7 == 2
            length, pos = varint(pos)
            value, pos = data[pos : pos + length], pos + length
        fields.setdefault(tag >> 3, []).append(value)
    return fields


def span_names(resource_spans: list[dict]) -> list[str]:
    return sorted(s["name"] for rs in resource_spans for ss in rs["scopeSpans"] for s in ss["spans"])


# --- trace by id -------------------------------------------------------------------------------


def test_push_protobuf_gzip_then_fetch_v1_and_v2_as_json_and_protobuf(http):
    for request in checkout_trace():
        status, headers, body = http.push(request)
        assert status == 200 and headers["Content-Type"] == "application/x-protobuf" and body == b""

    trace_hex = TRACE.hex()
    status, headers, body = http.get(f"/api/traces/{trace_hex}")
    assert status == 200 and headers["Content-Type"] == "application/json"
    v1 = json.loads(body)
    assert list(v1) == ["batches"]
    assert span_names(v1["batches"]) == ["POST /charge", "POST /charge", "POST /checkout"]
    spans = {s["spanId"]: s for rs in v1["batches"] for ss in rs["scopeSpans"] for s in ss["spans"]}
    server = spans[base64.b64encode(SERVER_SPAN).decode()]
    # Tempo's JSON is protobuf's JSON mapping: base64 ids, enum names, 64-bit integers as strings.
    assert server["traceId"] == base64.b64encode(TRACE).decode()
    assert server["parentSpanId"] == base64.b64encode(CLIENT_SPAN).decode()
    assert server["kind"] == "SPAN_KIND_SERVER" and server["status"] == {"code": "STATUS_CODE_ERROR"}
    assert server["startTimeUnixNano"] == str(T0 + 20_000_000)
    services = {rs["resource"]["attributes"][0]["value"]["stringValue"] for rs in v1["batches"]}
    assert services == {"sample-app", "payments"}

    status, headers, body = http.get(f"/api/traces/{trace_hex}", accept="application/protobuf")
    assert status == 200 and headers["Content-Type"] == "application/protobuf"
    assert len(TracesData.FromString(body).resource_spans) == 2

    v2 = http.get_json(f"/api/v2/traces/{trace_hex}")
    assert set(v2) == {"trace", "metrics"}
    assert span_names(v2["trace"]["resourceSpans"]) == span_names(v1["batches"])
    assert int(v2["metrics"]["inspectedBytes"]) > 0

    status, headers, body = http.get(f"/api/v2/traces/{trace_hex}", accept="application/protobuf")
    assert status == 200 and headers["Content-Type"] == "application/protobuf"
    wrapper = read_fields(body)
    trace = TracesData.FromString(wrapper[1][0])
    assert sorted(s.name for rs in trace.resource_spans for ss in rs.scope_spans for s in ss.spans) == [
        "POST /charge",
        "POST /charge",
        "POST /checkout",
    ]
    assert read_fields(wrapper[2][0])[1][0] > 0  # TraceByIDMetrics.inspectedBytes


def test_json_push_with_hex_ids_answers_empty_json_and_is_found(http):
    document = {
        "resourceSpans": [
            {
                "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "payments"}}]},
                "scopeSpans": [
                    {
                        "spans": [
                            {
                                "traceId": OTHER_TRACE.hex(),
                                "spanId": SERVER_SPAN.hex(),
                                "name": "POST /charge",
                                "kind": 2,
                                "startTimeUnixNano": str(T0),
                                "endTimeUnixNano": str(T0 + 5_000_000),
                                "status": {"code": 2},
                                "futureField": "ignored as OTLP/JSON requires",
                            }
                        ]
                    }
                ],
            }
        ]
    }
    status, headers, body = http.request(
        "POST", "/v1/traces", json.dumps(document).encode(), {"Content-Type": "application/json; charset=utf-8"}
    )
    assert status == 200 and headers["Content-Type"] == "application/json" and json.loads(body) == {}
    v1 = http.get_json(f"/api/traces/{OTHER_TRACE.hex()}")
    stored = v1["batches"][0]["scopeSpans"][0]["spans"][0]
    assert base64.b64decode(stored["traceId"]) == OTHER_TRACE
    assert stored["kind"] == "SPAN_KIND_SERVER" and stored["status"]["code"] == "STATUS_CODE_ERROR"


def test_trace_ids_follow_tempo_rules(http):
    short_trace = bytes(8) + bytes.fromhex("0000aa0ba902b7a3")
    http.push(export(("a", [span(short_trace, SERVER_SPAN, "x", Span.SPAN_KIND_SERVER, 0, 1)])))
    # Shorter ids are left-padded, so the id without its leading zeros finds the trace.
    assert http.get("/api/traces/aa0ba902b7a3")[0] == 200
    assert http.get("/api/traces/AA0BA902B7A3")[0] == 200

    status, headers, body = http.get("/api/traces/not-hex")
    assert (status, headers["Content-Type"]) == (400, "text/plain; charset=utf-8")
    assert body == b"trace IDs can only contain hex characters: invalid character 'n' at position 1\n"
    status, _, body = http.get("/api/v2/traces/" + "1" * 33)
    assert (status, body) == (400, b"trace IDs can't be larger than 128 bits\n")

    # Unknown ids: v1 answers 404, v2 (Tempo >= 2.7) 200 with an empty trace.
    assert http.get(f"/api/traces/{TRACE.hex()}")[::2] == (404, b"trace not found\n")
    assert http.get_json(f"/api/v2/traces/{TRACE.hex()}") == {"trace": {}, "metrics": {}}
    status, _, body = http.get(f"/api/v2/traces/{TRACE.hex()}", accept="application/protobuf")
    assert status == 200 and read_fields(body) == {1: [b""], 2: [b""]}

    status, _, body = http.get("/api/traces/aa0ba902b7a3", start="20", end="10")
    assert (status, body) == (400, b"http parameter start must be before end. received start=20 end=10\n")
    assert http.get("/api/v2/traces/aa0ba902b7a3", q="{ true }")[0] == 200
    status, _, body = http.get("/api/v2/traces/aa0ba902b7a3", q='{ span.http.route = "/x" }')
    assert status == 400 and b"does not filter" in body


# --- search ------------------------------------------------------------------------------------


@pytest.fixture
def two_traces(http):
    for request in checkout_trace(failed=True):
        http.push(request)
    # A second, later and successful trace with only its payments part received so far.
    later = span(OTHER_TRACE, SERVER_SPAN, "POST /charge", Span.SPAN_KIND_SERVER, 60_000, 30, parent=CLIENT_SPAN)
    http.push(export(("payments", [later])))
    return http


def trace_ids(result: dict) -> list[str]:
    return [t["traceID"] for t in result["traces"]]


def test_search_evaluates_the_plugin_traceql_subset(two_traces):
    http = two_traces
    everything = http.get_json("/api/search", q="{}")
    # Newest first; trace ids without leading zeros, as Tempo prints them.
    assert trace_ids(everything) == [OTHER_TRACE.hex(), TRACE.hex().lstrip("0")]
    partial, checkout = everything["traces"]
    assert partial["rootServiceName"] == "<root span not yet received>" and "rootTraceName" not in partial
    assert checkout["rootServiceName"] == "sample-app" and checkout["rootTraceName"] == "POST /checkout"
    assert checkout["startTimeUnixNano"] == str(T0) and checkout["durationMs"] == 250
    assert checkout["spanSets"][0]["matched"] == 3 and len(checkout["spanSets"][0]["spans"]) == 3
    assert everything["metrics"]["inspectedTraces"] == 2

    payments = http.get_json("/api/search", q='{ resource.service.name = "payments" }')
    assert trace_ids(payments) == trace_ids(everything)
    spanset = payments["traces"][1]["spanSets"][0]
    assert spanset["matched"] == 1
    assert spanset["spans"][0]["spanID"] == SERVER_SPAN.hex()
    assert spanset["spans"][0]["durationNanos"] == "200000000"
    assert spanset["spans"][0]["attributes"] == [{"key": "service.name", "value": {"stringValue": "payments"}}]

    errors = http.get_json("/api/search", q="{status=error}")
    assert trace_ids(errors) == [TRACE.hex().lstrip("0")] and errors["traces"][0]["spanSets"][0]["matched"] == 3
    both = http.get_json("/api/search", q='{ resource.service.name = "payments" && status = error }')
    assert both["traces"][0]["spanSets"][0]["spans"][0]["attributes"] == [
        {"key": "service.name", "value": {"stringValue": "payments"}},
        {"key": "status", "value": {"stringValue": "error"}},
    ]
    assert trace_ids(http.get_json("/api/search", q='{ resource.service.name = "nobody" }')) == []
    assert trace_ids(http.get_json("/api/search", q="{ status = ok }")) == []

    assert trace_ids(http.get_json("/api/search", q="{}", limit="1")) == [OTHER_TRACE.hex()]
    limited = http.get_json("/api/search", q="{}", spss="1")
    assert [len(t["spanSets"][0]["spans"]) for t in limited["traces"]] == [1, 1]
    first_second = T0 // 1_000_000_000
    window = http.get_json("/api/search", q="{}", start=str(first_second), end=str(first_second + 10))
    assert trace_ids(window) == [TRACE.hex().lstrip("0")]


@pytest.mark.parametrize(
    ("query", "column", "unexpected"),
    [
        ('{ span.http.route = "/x" }', 3, "IDENTIFIER"),
        ('{ resource.service.name =~ "pay.*" }', 25, "=~"),
        ("{ status = error } && { status = ok }", 20, "&&"),
        ("{ status = error || status = ok }", 18, "||"),
        ("{ duration > 1s }", 3, "IDENTIFIER"),
        ('{ resource.service.name = "x"', 30, "$end"),
        ("rate()", 1, "IDENTIFIER"),
        ("{ status = bogus }", 12, "IDENTIFIER"),
    ],
)
def test_search_refuses_other_traceql_with_tempo_parse_error(http, query, column, unexpected):
    status, headers, body = http.get("/api/search", q=query)
    assert status == 400 and headers["Content-Type"].startswith("text/plain")
    message = body.decode()
    assert message.startswith(
        f"invalid TraceQL query: parse error at line 1, col {column}: syntax error: unexpected {unexpected} "
    ), message
    assert "Tempo API double" in message


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"limit": "0"}, "invalid limit: must be a positive number"),
        ({"limit": "x"}, 'invalid limit: strconv.Atoi: parsing "x": invalid syntax'),
        ({"spss": "-1"}, "invalid spss: must be a positive number"),
        ({"start": "30", "end": "20"}, "http parameter start must be before end. received start=30 end=20"),
    ],
)
def test_search_refuses_bad_parameters(http, params, message):
    assert http.get("/api/search", q="{}", **params)[::2] == (400, (message + "\n").encode())


def test_tag_based_search_is_refused_rather_than_guessed(http):
    status, _, body = http.get("/api/search", tags="service.name=payments")
    assert status == 400 and b"TraceQL search (q) only" in body


def test_search_tags_v1_and_v2(two_traces):
    http = two_traces
    assert http.get_json("/api/search/tags")["tagNames"] == [
        "http.response.status_code",
        "http.route",
        "peer.service",
        "service.name",
    ]
    assert http.get_json("/api/search/tags", scope="resource")["tagNames"] == ["service.name"]
    assert "status" in http.get_json("/api/search/tags", scope="intrinsic")["tagNames"]
    v2 = http.get_json("/api/v2/search/tags")
    scopes = {s["name"]: s["tags"] for s in v2["scopes"]}
    assert scopes["resource"] == ["service.name"] and "http.route" in scopes["span"] and "name" in scopes["intrinsic"]
    assert [s["name"] for s in http.get_json("/api/v2/search/tags", scope="span")["scopes"]] == ["span"]
    assert http.get("/api/search/tags", scope="galaxy")[::2] == (400, b"invalid scope: galaxy\n")


def test_small_endpoints_and_unknown_routes(http):
    assert http.get("/ready")[::2] == (200, b"ready\n")
    assert http.get("/api/echo")[::2] == (200, b"echo")
    info = http.get_json("/api/status/buildinfo")
    assert re.fullmatch(r"2\.\d+\.\d+-rcp-double", info["version"])
    assert http.get("/api/nothing")[::2] == (404, b"404 page not found\n")
    assert http.get("/api/traces/")[0] == 404
    assert http.get("/v1/traces")[0] == 405
    assert http.request("POST", "/api/search", b"{}", {"Content-Type": "application/json"})[0] == 405


# --- metrics-generator series -------------------------------------------------------------------


def edge(client: str, server: str, connection_type: str = "") -> frozenset:
    labels = {"client": client, "server": server}
    if connection_type:
        labels["connection_type"] = connection_type
    return frozenset(labels.items())


def test_service_graph_and_span_metrics_from_a_failed_checkout(http):
    for request in checkout_trace(failed=True):
        http.push(request)
    samples = http.metrics()
    sample_app_to_payments = edge("sample-app", "payments")
    assert samples[("traces_service_graph_request_total", sample_app_to_payments)] == 1
    assert samples[("traces_service_graph_request_failed_total", sample_app_to_payments)] == 1
    server_seconds = "traces_service_graph_request_server_seconds"
    assert samples[(f"{server_seconds}_sum", sample_app_to_payments)] == pytest.approx(0.2)
    assert samples[(f"{server_seconds}_bucket", sample_app_to_payments | {("le", "0.1")})] == 0
    assert samples[(f"{server_seconds}_bucket", sample_app_to_payments | {("le", "0.2")})] == 1
    assert samples[("traces_service_graph_request_client_seconds_count", sample_app_to_payments)] == 1

    charge = frozenset(
        {
            ("service", "payments"),
            ("span_name", "POST /charge"),
            ("span_kind", "SPAN_KIND_SERVER"),
            ("status_code", "STATUS_CODE_ERROR"),
            ("http_route", "/charge"),
            ("http_response_status_code", "502"),
        }
    )
    assert samples[("traces_spanmetrics_calls_total", charge)] == 1
    assert samples[("traces_spanmetrics_latency_count", charge)] == 1
    assert samples[("traces_spanmetrics_latency_sum", charge)] == pytest.approx(0.2)
    latency_bucket = "traces_spanmetrics_latency_bucket"
    buckets = {b: samples[(latency_bucket, charge | {("le", repr(b))})] for b in SPAN_METRICS_BUCKETS}
    assert next(b for b, n in buckets.items() if n == 1) == 0.256  # 200 ms falls in (0.128, 0.256]
    assert samples[("traces_spanmetrics_latency_bucket", charge | {("le", "+Inf")})] == 1
    client = frozenset(
        {
            ("service", "sample-app"),
            ("span_name", "POST /charge"),
            ("span_kind", "SPAN_KIND_CLIENT"),
            ("status_code", "STATUS_CODE_ERROR"),
        }
    )
    assert samples[("traces_spanmetrics_calls_total", client)] == 1

    # A successful second call adds to the same counters; failures stay at one.
    second = bytes.fromhex("11" * 16)
    ok_client = span(second, CLIENT_SPAN, "POST /charge", Span.SPAN_KIND_CLIENT, 0, 50, peer__service="payments")
    ok_server = span(second, SERVER_SPAN, "POST /charge", Span.SPAN_KIND_SERVER, 1, 40, parent=CLIENT_SPAN)
    http.push(export(("sample-app", [ok_client]), ("payments", [ok_server])))
    samples = http.metrics()
    assert samples[("traces_service_graph_request_total", sample_app_to_payments)] == 2
    assert samples[("traces_service_graph_request_failed_total", sample_app_to_payments)] == 1


def test_service_graph_pairs_spans_arriving_in_either_order_and_expires_like_tempo(http, clock):
    sample_app_request, payments_request = checkout_trace(failed=False)
    http.push(payments_request)  # the server span first, as a busier exporter may deliver it
    assert ("traces_service_graph_request_total", edge("sample-app", "payments")) not in http.metrics()
    clock.now += SERVICE_GRAPH_WAIT_SECONDS - 1
    http.push(sample_app_request)
    samples = http.metrics()
    assert samples[("traces_service_graph_request_total", edge("sample-app", "payments"))] == 1
    assert ("traces_service_graph_request_failed_total", edge("sample-app", "payments")) not in samples
    # The root span's edge waits for a client that never comes...
    assert ("traces_service_graph_request_total", edge("user", "sample-app", "virtual_node")) not in samples

    lonely = bytes.fromhex("22" * 16)
    http.push(
        export(
            (
                "sample-app",
                [
                    # a client span with a peer attribute and no server span: an uninstrumented service
                    span(lonely, CLIENT_SPAN, "GET /rates", Span.SPAN_KIND_CLIENT, 0, 5, peer__service="fx-rates"),
                    # a client span with nothing to name its server: unpaired
                    span(lonely, SERVER_SPAN, "GET /unknown", Span.SPAN_KIND_CLIENT, 0, 5),
                ],
            )
        )
    )
    clock.now += SERVICE_GRAPH_WAIT_SECONDS + 1
    samples = http.metrics()
    # ...and after the wait becomes an edge from the virtual node `user`.
    assert samples[("traces_service_graph_request_total", edge("user", "sample-app", "virtual_node"))] == 1
    assert samples[("traces_service_graph_request_total", edge("sample-app", "fx-rates", "virtual_node"))] == 1
    assert samples[("traces_service_graph_unpaired_spans_total", frozenset({("client", "sample-app")}))] == 1
    # Tempo exposes this counter without `_total`; prometheus_client's parser appends it.
    expired_edges = "tempo_metrics_generator_processor_service_graphs_expired_edges_total"
    expired = (expired_edges, frozenset({("tenant", "single-tenant")}))
    assert samples[expired] == 3


def test_database_client_spans_are_database_edges_at_once(http):
    query = span(TRACE, CLIENT_SPAN, "SELECT products", Span.SPAN_KIND_CLIENT, 0, 3, db__system="postgresql")
    query.attributes.append(attr("server.address", "catalog-db"))
    http.push(export(("sample-app", [query])))
    assert http.metrics()[("traces_service_graph_request_total", edge("sample-app", "catalog-db", "database"))] == 1


# --- bad input ---------------------------------------------------------------------------------


def assert_nothing_stored(http):
    assert http.get_json("/api/search", q="{}")["traces"] == []
    assert not any(name.startswith("traces_spanmetrics_calls") for name, _ in http.metrics())


def test_malformed_bodies_get_400_with_a_status_and_store_nothing(http):
    status, headers, body = http.request(
        "POST", "/v1/traces", b"\x0a\xff\xff\xff", {"Content-Type": "application/x-protobuf"}
    )
    assert status == 400 and headers["Content-Type"] == "application/x-protobuf"
    assert "proto" in status_pb2.Status.FromString(body).message

    status, headers, body = http.request("POST", "/v1/traces", b"{not json", {"Content-Type": "application/json"})
    assert status == 400 and headers["Content-Type"] == "application/json" and json.loads(body)["code"] == 3

    deep = b'{"resourceSpans":' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    assert http.request("POST", "/v1/traces", deep, {"Content-Type": "application/json"})[0] == 400
    wrong_shape = b'{"resourceSpans":{"scopeSpans":7}}'
    assert http.request("POST", "/v1/traces", wrong_shape, {"Content-Type": "application/json"})[0] == 400

    bad_hex = b'{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"zz","spanId":"0102030405060708"}]}]}]}'
    assert http.request("POST", "/v1/traces", bad_hex, {"Content-Type": "application/json"})[0] == 400

    status, _, _ = http.request("POST", "/v1/traces", b"{}", {"Content-Type": "text/plain"})
    assert status == 415
    status, _, _ = http.request(
        "POST", "/v1/traces", b"not gzip", {"Content-Type": "application/x-protobuf", "Content-Encoding": "gzip"}
    )
    assert status == 400
    status, _, body = http.request(
        "POST", "/v1/traces", b"x", {"Content-Type": "application/x-protobuf", "Content-Encoding": "br"}
    )
    assert status == 400 and b"Content-Encoding" in status_pb2.Status.FromString(body).message.encode()
    assert_nothing_stored(http)


def test_one_bad_span_refuses_the_whole_request(http):
    request, _ = checkout_trace()
    request.resource_spans[0].scope_spans[0].spans.add(trace_id=b"\x01" * 8, span_id=b"\x02" * 8, name="short id")
    status, _, body = http.push(request)
    assert status == 400 and "trace id must be 16 bytes" in status_pb2.Status.FromString(body).message
    assert http.get(f"/api/traces/{TRACE.hex()}")[0] == 404
    assert_nothing_stored(http)


def test_oversized_bodies_get_413_and_store_nothing(clock):
    with running(TempoDouble(clock=clock, max_body_bytes=2048)) as http:
        big = export(("a", [span(TRACE, SERVER_SPAN, "x" * 4096, Span.SPAN_KIND_SERVER, 0, 1)]))
        status, _, body = http.push(big, compress=False)
        assert status == 413 and "exceeds 2048 bytes" in status_pb2.Status.FromString(body).message
        # Small on the wire, large once inflated: refused all the same.
        assert len(gzip.compress(big.SerializeToString())) < 2048
        assert http.push(big, compress=True)[0] == 413
        assert_nothing_stored(http)
        # The server still answers after refusing (the oversized body was never read).
        assert http.get("/ready")[0] == 200


def test_chunked_bodies_are_read_and_bounded(clock):
    with running(TempoDouble(clock=clock, max_body_bytes=4096)) as http:
        host, port = urllib.parse.urlsplit(http.base).netloc.split(":")
        body = checkout_trace()[0].SerializeToString()

        def post_chunked(chunks):
            conn = http_client.HTTPConnection(host, int(port), timeout=10)
            try:
                headers = {"Content-Type": "application/x-protobuf"}
                conn.request("POST", "/v1/traces", body=iter(chunks), headers=headers, encode_chunked=True)
                return conn.getresponse().status
            finally:
                conn.close()

        assert post_chunked([body[:10], body[10:]]) == 200
        assert http.get(f"/api/traces/{TRACE.hex()}")[0] == 200
        assert post_chunked([b"\x0a" * 3000, b"\x0a" * 3000]) == 413


# --- bounds ------------------------------------------------------------------------------------


def one_span_trace(n: int) -> ExportTraceServiceRequest:
    return export(("a", [span(bytes([n + 1]) * 16, SERVER_SPAN, f"trace {n}", Span.SPAN_KIND_SERVER, n, 1)]))


def test_oldest_traces_are_evicted_past_max_traces_and_retention(clock):
    with running(TempoDouble(clock=clock, max_traces=2, retention_seconds=60)) as http:
        for n in range(3):
            http.push(one_span_trace(n))
            clock.now += 10
        assert http.get(f"/api/traces/{(bytes([1]) * 16).hex()}")[0] == 404
        assert http.get(f"/api/traces/{(bytes([2]) * 16).hex()}")[0] == 200
        # A span arriving later keeps its trace alive; the other one ages out.
        clock.now += 30
        http.push(export(("a", [span(bytes([3]) * 16, CLIENT_SPAN, "late", Span.SPAN_KIND_CLIENT, 5, 1)])))
        clock.now += 35
        assert http.get(f"/api/traces/{(bytes([2]) * 16).hex()}")[0] == 404
        assert http.get(f"/api/traces/{(bytes([3]) * 16).hex()}")[0] == 200


def test_stored_bytes_are_bounded(clock):
    double = TempoDouble(clock=clock, max_stored_bytes=1000)
    for n in range(50):
        double.store.ingest(one_span_trace(n))
        traces, stored_bytes = double.store.stats()
        assert stored_bytes <= 1000
    assert 0 < traces < 50
    text = double.metrics_text().decode()
    assert f"tempo_double_stored_traces {traces}" in text and f"tempo_double_stored_bytes {stored_bytes}" in text


def test_resent_spans_are_stored_once(http):
    request, _ = checkout_trace()
    http.push(request)
    http.push(request)
    v1 = http.get_json(f"/api/traces/{TRACE.hex()}")
    assert span_names(v1["batches"]) == ["POST /charge", "POST /checkout"]


# --- real senders ------------------------------------------------------------------------------


def test_opentelemetry_sdk_exporter_delivers_to_the_double(http):
    from opentelemetry.exporter.otlp.proto.http import Compression
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.trace import SpanKind, StatusCode

    provider = TracerProvider(resource=Resource.create({"service.name": "sample-app"}))
    exporter = OTLPSpanExporter(endpoint=http.base + "/v1/traces", compression=Compression.Gzip, timeout=10)
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("test")
    with tracer.start_as_current_span("POST /checkout", kind=SpanKind.SERVER) as root:
        root.set_attribute("http.route", "/checkout")
        root.set_status(StatusCode.ERROR)
        trace_id = f"{root.get_span_context().trace_id:032x}"
    provider.shutdown()

    v1 = http.get_json(f"/api/traces/{trace_id}")
    assert span_names(v1["batches"]) == ["POST /checkout"]
    errors = http.get_json("/api/search", q='{ resource.service.name = "sample-app" && status = error }')
    assert trace_ids(errors) == [trace_id.lstrip("0")]


def test_command_line_serves_until_sigterm():
    env = dict(os.environ, PYTHONPATH=str(REPO / "doubles"))
    proc = subprocess.Popen(
        [sys.executable, "-m", "tempo_double", "--host", "127.0.0.1", "--port", "0", "--max-traces", "5"],
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stderr.readline()
        match = re.search(r"listening on (http://127\.0\.0\.1:\d+)", line)
        assert match, line
        assert Http(match.group(1)).get("/ready")[0] == 200
        assert "GET /ready" in proc.stderr.readline()  # one log line per request
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.stderr.close()
