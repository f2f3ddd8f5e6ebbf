"""HTTP front of the Tempo API double: Tempo's query API, an OTLP/HTTP receiver and /metrics on one port."""

import json
import logging
import re
import string
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from google.protobuf import json_format
from opentelemetry.proto.trace.v1.trace_pb2 import TracesData

from . import otlp, traceql
from .generator import Generator
from .store import TraceStore

# Semver-valid, so that Grafana's version checks work, and marked as the double; 2.8.2 is the
# Tempo image docker-compose.yaml runs.
VERSION = "2.8.2-rcp-double"
DEFAULT_MAX_TRACES = 20_000
DEFAULT_RETENTION_SECONDS = 7200.0
DEFAULT_MAX_BODY_BYTES = 20 * 1024 * 1024  # the OpenTelemetry Collector's default max_request_body_size
DEFAULT_MAX_STORED_BYTES = 256 * 1024 * 1024
# Tempo's search defaults: results per search and spans per spanset.
DEFAULT_SEARCH_LIMIT = 20
DEFAULT_SPANS_PER_SPANSET = 3
MAX_TAG_NAMES = 1000
TAG_SCOPES = ("resource", "span", "intrinsic", "event", "link", "instrumentation")

PROTOBUF_ACCEPT = "application/protobuf"
TRACE_PATH = re.compile(r"^/api/(v2/)?traces/([^/]+)$")

log = logging.getLogger("tempo_double")


class BadRequest(Exception):
    """Tempo answers these with 400 and the message as plain text."""


@dataclass
class Response:
    status: int
    content_type: str
    body: bytes


def text(status: int, message: str) -> Response:
    # Go's http.Error: plain text and a trailing newline.
    return Response(status, "text/plain; charset=utf-8", (message + "\n").encode())


# What Go's mux answers for an unknown path and a known path with the wrong method.
NOT_FOUND = text(404, "404 page not found")
METHOD_NOT_ALLOWED = text(405, "405 method not allowed")


def json_response(document: dict) -> Response:
    return Response(200, "application/json", json.dumps(document, separators=(",", ":")).encode())


def parse_trace_id(raw: str) -> bytes:
    """Tempo's rule: hex only, at most 128 bits, shorter ids left-padded with zeros."""
    for position, ch in enumerate(raw, start=1):
        if ch not in string.hexdigits:
            raise BadRequest(
                f"trace IDs can only contain hex characters: invalid character '{ch}' at position {position}"
            )
    if len(raw) % 2:
        raw = "0" + raw
    trace_id = bytes.fromhex(raw)
    if len(trace_id) > 16:
        raise BadRequest("trace IDs can't be larger than 128 bits")
    return trace_id.rjust(16, b"\0")


def _int_param(params: dict[str, list[str]], name: str) -> int | None:
    values = params.get(name)
    if not values or values[0] == "":
        return None
    try:
        return int(values[0])
    except ValueError:
        raise BadRequest(f'invalid {name}: strconv.Atoi: parsing "{values[0]}": invalid syntax') from None


def _time_range(params: dict[str, list[str]]) -> tuple[int | None, int | None]:
    start, end = _int_param(params, "start"), _int_param(params, "end")
    if start is not None and end is not None and end < start:
        raise BadRequest(f"http parameter start must be before end. received start={start} end={end}")
    return start, end


def _positive(params: dict[str, list[str]], name: str, default: int) -> int:
    value = _int_param(params, name)
    if value is None:
        return default
    if value <= 0:
        raise BadRequest(f"invalid {name}: must be a positive number")
    return value


class TempoDouble:
    """The double's state and its answers, independent of the HTTP plumbing."""

    def __init__(
        self,
        max_traces: int = DEFAULT_MAX_TRACES,
        retention_seconds: float = DEFAULT_RETENTION_SECONDS,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
        max_stored_bytes: int = DEFAULT_MAX_STORED_BYTES,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.max_body_bytes = max_body_bytes
        self.store = TraceStore(max_traces, retention_seconds, max_stored_bytes, clock)
        self.generator = Generator(clock)

    # --- OTLP receiver --------------------------------------------------------------------------

    def receive(self, body: bytes, content_type: str | None, content_encoding: str | None) -> otlp.Reply:
        kind = otlp.media_type(content_type)
        reply_type = otlp.JSON if kind == otlp.JSON else otlp.PROTOBUF
        try:
            raw = otlp.decompress(body, content_encoding, self.max_body_bytes)
            request = otlp.parse_request(raw, kind)
        except otlp.OtlpError as e:
            return otlp.failure(e, reply_type)
        self.store.ingest(request)
        self.generator.consume(request)
        return otlp.success(kind)

    # --- query API ------------------------------------------------------------------------------

    def trace_by_id(self, raw_id: str, v2: bool, params: dict[str, list[str]], accept: str) -> Response:
        trace_id = parse_trace_id(raw_id)
        # Validated as Tempo does; like Tempo's recent data (live store) the lookup ignores the range.
        _time_range(params)
        # Tempo returns the whole trace for these filters; the double filters no spans.
        if v2 and re.sub(r"\s+", "", params.get("q", [""])[0]) not in ("", "{}", "{true}"):
            raise BadRequest("the Tempo API double does not filter trace spans (q) on /api/v2/traces")
        data = self.store.get(trace_id)
        protobuf = PROTOBUF_ACCEPT in accept
        return _trace_v2(data, protobuf) if v2 else _trace_v1(data, protobuf)

    def search(self, params: dict[str, list[str]]) -> Response:
        for unsupported in ("tags", "minDuration", "maxDuration"):
            if params.get(unsupported, [""])[0]:
                raise BadRequest(f"the Tempo API double answers TraceQL search (q) only, not {unsupported}")
        query = params.get("q", [""])[0] or "{}"
        try:
            conditions = traceql.parse(query)
        except traceql.TraceQLError as e:
            raise BadRequest(f"invalid TraceQL query: {e}") from None
        limit = _positive(params, "limit", DEFAULT_SEARCH_LIMIT)
        spss = _positive(params, "spss", DEFAULT_SPANS_PER_SPANSET)
        start, end = _time_range(params)
        traces, metrics = self.store.search(conditions, limit, spss, start, end)
        return json_response({"traces": traces, "metrics": metrics})

    def search_tags(self, params: dict[str, list[str]], v2: bool) -> Response:
        scope = params.get("scope", [""])[0]
        if scope not in ("", "all", *TAG_SCOPES):
            raise BadRequest(f"invalid scope: {scope}")
        _time_range(params)
        limit = min(_positive(params, "limit", MAX_TAG_NAMES), MAX_TAG_NAMES)
        by_scope = self.store.tag_names(limit)
        if v2:
            wanted = [scope] if scope not in ("", "all") else list(by_scope)
            scopes = [{"name": name, "tags": by_scope[name]} for name in wanted if by_scope.get(name)]
            return json_response({"scopes": scopes, "metrics": {}})
        if scope in ("", "all"):
            names = sorted(set(by_scope["resource"]) | set(by_scope["span"]))
        else:
            names = by_scope.get(scope, [])
        return json_response({"tagNames": names, "metrics": {}})

    def metrics_text(self) -> bytes:
        """The generator's series, then the double's own storage gauges."""
        traces, stored_bytes = self.store.stats()
        own = [
            "# HELP tempo_double_stored_traces Traces the Tempo API double holds",
            "# TYPE tempo_double_stored_traces gauge",
            f"tempo_double_stored_traces {traces}",
            "# HELP tempo_double_stored_bytes Span bytes the Tempo API double holds",
            "# TYPE tempo_double_stored_bytes gauge",
            f"tempo_double_stored_bytes {stored_bytes}",
        ]
        return (self.generator.exposition() + "\n".join(own) + "\n").encode()

    def buildinfo(self) -> Response:
        return json_response(
            {
                "version": VERSION,
                "revision": "rcp-tempo-api-double",
                "branch": "",
                "buildUser": "",
                "buildDate": "",
                "goVersion": f"none (Python {sys.version.split()[0]})",
            }
        )


def _trace_v1(data: TracesData | None, protobuf: bool) -> Response:
    if data is None:
        return text(404, "trace not found")
    if protobuf:
        # tempopb.Trace is wire-compatible with OTLP TracesData (field 1: resource spans).
        return Response(200, PROTOBUF_ACCEPT, data.SerializeToString())
    return json_response({"batches": json_format.MessageToDict(data).get("resourceSpans", [])})


def _trace_v2(data: TracesData | None, protobuf: bool) -> Response:
    """A TraceByIDResponse; Tempo >= 2.7 answers an unknown id with 200 and an empty trace."""
    trace_bytes = data.SerializeToString() if data is not None else b""
    if protobuf:
        # TraceByIDMetrics { uint64 inspectedBytes = 1; }: a varint field.
        metrics = b"\x08" + _varint(len(trace_bytes)) if trace_bytes else b""
        return Response(200, PROTOBUF_ACCEPT, _length_delimited(1, trace_bytes) + _length_delimited(2, metrics))
    trace = json_format.MessageToDict(data) if data is not None else {}
    metrics_json = {"inspectedBytes": str(len(trace_bytes))} if trace_bytes else {}
    return json_response({"trace": trace, "metrics": metrics_json})


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _length_delimited(field_number: int, payload: bytes) -> bytes:
    """A protobuf field of wire type 2, for the tempopb wrappers that opentelemetry-proto lacks."""
    return _varint(field_number << 3 | 2) + _varint(len(payload)) + payload


def make_handler(double: TempoDouble) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "rcp-tempo-api-double"
        timeout = 120  # seconds a connection may sit idle or stall mid-request before it is closed

        def log_message(self, format: str, *args) -> None:  # noqa: A002 - BaseHTTPRequestHandler's signature
            log.info("%s %s", self.address_string(), format % args)

        def _send(self, response: Response) -> None:
            self.send_response(response.status)
            self.send_header("Content-Type", response.content_type)
            self.send_header("Content-Length", str(len(response.body)))
            self.end_headers()
            self.wfile.write(response.body)

        def do_GET(self) -> None:
            url = urlsplit(self.path)
            params = parse_qs(url.query, keep_blank_values=True)
            try:
                self._send(self._get(url.path, params))
            except BadRequest as e:
                self._send(text(400, str(e)))

        def _get(self, path: str, params: dict[str, list[str]]) -> Response:
            match = TRACE_PATH.match(path)
            if match:
                return double.trace_by_id(match.group(2), bool(match.group(1)), params, self.headers.get("Accept", ""))
            routes = self._get_routes(params)
            if path in routes:
                return routes[path]()
            if path == "/v1/traces":
                return METHOD_NOT_ALLOWED
            return NOT_FOUND

        @staticmethod
        def _get_routes(params: dict[str, list[str]]) -> dict[str, Callable[[], Response]]:
            return {
                "/ready": lambda: text(200, "ready"),
                "/api/echo": lambda: Response(200, "text/plain; charset=utf-8", b"echo"),
                "/api/status/buildinfo": double.buildinfo,
                "/api/search": lambda: double.search(params),
                "/api/search/tags": lambda: double.search_tags(params, v2=False),
                "/api/v2/search/tags": lambda: double.search_tags(params, v2=True),
                "/metrics": lambda: Response(200, "text/plain; version=0.0.4; charset=utf-8", double.metrics_text()),
            }

        def do_POST(self) -> None:
            path = urlsplit(self.path).path
            if path != "/v1/traces":
                self.close_connection = True  # the unread body must not be taken for a next request
                self._send(METHOD_NOT_ALLOWED if path in self._get_routes({}) or TRACE_PATH.match(path) else NOT_FOUND)
                return
            body = self._read_body()
            if body is None:
                return
            reply = double.receive(body, self.headers.get("Content-Type"), self.headers.get("Content-Encoding"))
            self._send(Response(reply.status, reply.content_type, reply.body))

        def _read_body(self) -> bytes | None:
            """The request body (sized or chunked), or None after answering a missing or oversized one."""
            if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                return self._read_chunked()
            try:
                length = int(self.headers.get("Content-Length", ""))
            except ValueError:
                length = -1
            if length < 0:
                self.close_connection = True
                self._send(text(411, "length required"))
                return None
            if length > double.max_body_bytes:
                self._refuse_oversized()
                return None
            return self.rfile.read(length)

        def _read_chunked(self) -> bytes | None:
            body = bytearray()
            while True:
                try:
                    size = int(self.rfile.readline(1024).split(b";", 1)[0].strip(), 16)
                except ValueError:
                    self.close_connection = True
                    self._send(text(400, "malformed chunked encoding"))
                    return None
                if size == 0:
                    while self.rfile.readline(1024).strip():
                        pass  # trailer fields, unused
                    return bytes(body)
                if len(body) + size > double.max_body_bytes:
                    self._refuse_oversized()
                    return None
                body += self.rfile.read(size)
                self.rfile.readline(1024)  # the CRLF closing the chunk

        def _refuse_oversized(self) -> None:
            # The unread rest of the body would be taken for the next request: answer and close.
            self.close_connection = True
            kind = otlp.media_type(self.headers.get("Content-Type"))
            error = otlp.OtlpError(413, f"request body exceeds {double.max_body_bytes} bytes")
            reply = otlp.failure(error, otlp.JSON if kind == otlp.JSON else otlp.PROTOBUF)
            self._send(Response(reply.status, reply.content_type, reply.body))

    return Handler


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def serve(double: TempoDouble, host: str, port: int) -> Server:
    return Server((host, port), make_handler(double))
