"""The HTTP side of the Loki API double: Loki's routes, parameters, response shapes and errors.

Errors are plain text with Loki's status codes, as Loki writes them (`parse error at line 1, col 5:
...` with 400). One log line per request goes to stderr (http.server's access log).
"""

from __future__ import annotations

import json
import math
import re
import time
import zlib
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

from .logql import LogQuery, ParseError, parse, parse_duration_ns, parse_selector
from .query import QueryError, Window, eval_instant, eval_range
from .store import PushError, PushStream, Store

VERSION = "3.x-compatible-rcp-double"
DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024  # after decompression
MAX_FORM_BYTES = 1024 * 1024
DRAIN_MAX_BYTES = 64 * 1024 * 1024
DEFAULT_LIMIT = 100
DEFAULT_SINCE_NS = 3600 * 10**9  # query_range: start defaults to one hour before end
LABELS_SINCE_NS = 6 * 3600 * 10**9  # labels and series: six hours
_RFC3339 = re.compile(r"(\d{4})-(\d\d)-(\d\d)[Tt](\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?([Zz]|[+-]\d\d:\d\d)")
_LABEL_VALUES = re.compile(r"/loki/api/v1/label/([^/]+)/values")


class HttpError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def parse_time(value: str | None, default: int) -> int:
    """Loki's timestamp parameter: integer nanoseconds (or seconds up to 10 digits), float seconds,
    or RFC 3339."""
    if value is None or value == "":
        return default
    if re.fullmatch(r"-?\d+", value):
        return int(value) * 10**9 if len(value) <= 10 else int(value)
    try:
        seconds = float(value)
        if math.isfinite(seconds):
            return round(seconds * 1e9)
    except ValueError:
        pass
    m = _RFC3339.fullmatch(value)
    if m:
        try:
            base = datetime.fromisoformat(f"{m[1]}-{m[2]}-{m[3]}T{m[4]}:{m[5]}:{m[6]}{m[8].replace('z', 'Z')}")
            return int(base.timestamp()) * 10**9 + int((m[7] or "0").ljust(9, "0"))
        except ValueError:
            pass
    raise HttpError(400, f'cannot parse "{value}" to a valid timestamp')


def parse_step(value: str) -> int:
    """Loki's step: float seconds or a duration."""
    try:
        seconds = float(value)
        if not math.isfinite(seconds):
            raise ValueError(value)
        return int(seconds * 1e9)
    except ValueError:
        ns = parse_duration_ns(value)
        if ns is None:
            raise HttpError(400, f'cannot parse "{value}" to a valid duration') from None
        return ns


class Handler(BaseHTTPRequestHandler):
    server_version = "rcp-loki-double"
    protocol_version = "HTTP/1.1"
    store: Store
    max_body_bytes: int

    # --- plumbing ------------------------------------------------------------------------------

    def send_body(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def send_text(self, status: int, text: str) -> None:
        self.send_body(status, text.encode(), "text/plain; charset=utf-8")

    def send_json(self, doc: object) -> None:
        self.send_body(200, json.dumps(doc, ensure_ascii=False).encode(), "application/json; charset=UTF-8")

    def read_body(self, limit: int) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            self.close_connection = True
            raise HttpError(411, "chunked request bodies are not supported by the Loki API double: send Content-Length")
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            self.close_connection = True
            raise HttpError(400, "invalid Content-Length") from None
        if length > limit:
            # Read (and drop) a moderately oversized body so that the client, still sending, gets the
            # 413 instead of a broken pipe; past DRAIN_MAX_BYTES the connection is just closed.
            remaining = length if length <= DRAIN_MAX_BYTES else 0
            while remaining > 0:
                chunk = self.rfile.read(min(1 << 16, remaining))
                if not chunk:
                    break
                remaining -= len(chunk)
            self.close_connection = True
            raise HttpError(413, f"message size too large than max ({length} vs {limit})")
        return self.rfile.read(length)

    def params(self) -> dict[str, list[str]]:
        query = parse_qs(urlsplit(self.path).query, keep_blank_values=True)
        if self.command == "POST":
            ctype = self.headers.get("Content-Type", "").split(";")[0].strip().lower()
            body = self.read_body(MAX_FORM_BYTES)
            if ctype == "application/x-www-form-urlencoded":
                for key, values in parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True).items():
                    query.setdefault(key, []).extend(values)
        return query

    def handle_request(self) -> None:
        path = urlsplit(self.path).path
        routes = {
            "/ready": (("GET", "HEAD"), self.ready),
            "/loki/api/v1/status/buildinfo": (("GET",), self.buildinfo),
            "/loki/api/v1/push": (("POST",), self.push),
            "/loki/api/v1/query": (("GET", "POST"), self.query_instant),
            "/loki/api/v1/query_range": (("GET", "POST"), self.query_range),
            "/loki/api/v1/labels": (("GET", "POST"), self.labels),
            "/loki/api/v1/series": (("GET", "POST"), self.series),
        }
        route = routes.get(path)
        label = _LABEL_VALUES.fullmatch(path)
        if label:
            route = (("GET", "POST"), lambda: self.label_values(unquote(label.group(1))))
        if route is None:
            self.send_text(404, "404 page not found\n")
            return
        methods, handler = route
        if self.command not in methods:
            self.send_text(405, "")
            return
        try:
            handler()
        except HttpError as e:
            self.send_text(e.status, str(e))
        except (ParseError, QueryError) as e:
            self.send_text(400, str(e))
        except PushError as e:
            self.send_text(e.status, str(e))

    do_GET = do_POST = do_HEAD = handle_request

    # --- routes --------------------------------------------------------------------------------

    def ready(self) -> None:
        self.send_text(200, "ready\n")

    def buildinfo(self) -> None:
        self.send_json(
            {
                "version": VERSION,
                "revision": "",
                "branch": "",
                "buildUser": "rcp-loki-double (a Python API double, not Loki)",
                "buildDate": "",
                "goVersion": "",
            }
        )

    def push(self) -> None:
        ctype = self.headers.get("Content-Type", "").split(";")[0].strip().lower()
        encoding = self.headers.get("Content-Encoding", "").strip().lower()
        if ctype != "application/json":
            self.read_body(self.max_body_bytes)
            raise HttpError(
                415,
                f"unsupported Content-Type {ctype or '(none)'!r}: the Loki API double takes JSON pushes "
                "(application/json) only, not protobuf+snappy",
            )
        if encoding not in ("", "identity", "gzip"):
            self.read_body(self.max_body_bytes)
            raise HttpError(415, f"Content-Encoding {encoding!r} is not supported by the Loki API double (gzip is)")
        body = self.read_body(self.max_body_bytes)
        if encoding == "gzip":
            body = self.gunzip(body)
        streams = decode_push(body)
        self.store.push(streams)
        self.send_response(204)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def gunzip(self, body: bytes) -> bytes:
        inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
        try:
            out = inflater.decompress(body, self.max_body_bytes + 1)
        except zlib.error as e:
            raise HttpError(400, f"gzip: invalid body: {e}") from e
        if len(out) > self.max_body_bytes:
            raise HttpError(413, f"message size too large than max (more than {self.max_body_bytes} bytes gunzipped)")
        if not inflater.eof:
            raise HttpError(400, "gzip: unexpected EOF")
        return out

    def window(self, params: dict[str, list[str]]) -> Window:
        def one(name: str) -> str | None:
            values = params.get(name)
            return values[0] if values else None

        now = time.time_ns()
        end = parse_time(one("end"), now)
        since = one("since")
        start = parse_time(one("start"), end - (parse_step(since) if since else DEFAULT_SINCE_NS))
        if end < start:
            raise HttpError(400, f"invalid query, through < from ({end} < {start})")
        limit_text = one("limit")
        try:
            limit = int(limit_text) if limit_text else DEFAULT_LIMIT
        except ValueError:
            raise HttpError(400, f'cannot parse "{limit_text}" as a limit') from None
        if limit <= 0:
            raise HttpError(400, "limit must be a positive value")
        direction = (one("direction") or "backward").lower()
        if direction not in ("forward", "backward"):
            raise HttpError(400, f"invalid direction '{one('direction')}'")
        if one("interval"):
            raise HttpError(400, "the interval parameter is not supported by the Loki API double")
        step_text = one("step")
        # Loki's default step: the range split into 250 points, at least one second.
        default_step = max(math.ceil((end - start) / 1e9 / 250), 1) * 10**9
        step = parse_step(step_text) if step_text else default_step
        if step <= 0:
            raise HttpError(
                400, "zero or negative query resolution step widths are not accepted. Try a positive integer"
            )
        return Window(start, end, step, limit, direction == "forward")

    def query_range(self) -> None:
        params = self.params()
        expr = parse(required(params, "query"))
        window = self.window(params)
        began = time.perf_counter()
        result_type, result, returned = eval_range(self.store, expr, window)
        self.send_json(success(result_type, result, returned, time.perf_counter() - began))

    def query_instant(self) -> None:
        params = self.params()
        expr = parse(required(params, "query"))
        at = parse_time((params.get("time") or [None])[0], time.time_ns())
        began = time.perf_counter()
        result_type, result, returned = eval_instant(self.store, expr, at)
        self.send_json(success(result_type, result, returned, time.perf_counter() - began))

    def selected_streams(self, params: dict[str, list[str]], selectors: list[str]) -> list[dict[str, str]]:
        def one(name: str) -> str | None:
            values = params.get(name)
            return values[0] if values else None

        end = parse_time(one("end"), time.time_ns())
        since = one("since")
        start = parse_time(one("start"), end - (parse_step(since) if since else LABELS_SINCE_NS))
        queries: list[LogQuery | None] = [parse_selector(s) for s in selectors] or [None]
        seen: dict[tuple, dict[str, str]] = {}
        for q in queries:
            for labels, _ in self.store.select(q.matchers if q else (), start, end):
                seen.setdefault(tuple(sorted(labels.items())), labels)
        return [seen[k] for k in sorted(seen)]

    def labels(self) -> None:
        params = self.params()
        streams = self.selected_streams(params, [q for q in params.get("query", []) if q])
        self.send_json({"status": "success", "data": sorted({k for s in streams for k in s})})

    def label_values(self, name: str) -> None:
        params = self.params()
        streams = self.selected_streams(params, [q for q in params.get("query", []) if q])
        self.send_json({"status": "success", "data": sorted({s[name] for s in streams if name in s})})

    def series(self) -> None:
        params = self.params()
        selectors = [q for q in params.get("match[]", []) + params.get("match", []) if q]
        if not selectors:
            raise HttpError(400, "at least one match[] argument must be provided")
        self.send_json({"status": "success", "data": self.selected_streams(params, selectors)})


def required(params: dict[str, list[str]], name: str) -> str:
    values = params.get(name)
    if not values or not values[0]:
        raise HttpError(400, f"missing required parameter: {name}")
    return values[0]


def success(result_type: str, result: list[dict], returned: int, seconds: float) -> dict:
    # Loki's stats carry far more; Grafana reads `summary`, so the double fills that part only.
    return {
        "status": "success",
        "data": {
            "resultType": result_type,
            "result": result,
            "stats": {
                "summary": {
                    "execTime": seconds,
                    "queueTime": 0,
                    "totalEntriesReturned": returned,
                    "subqueries": 0,
                    "splits": 0,
                    "shards": 0,
                }
            },
        },
    }


def _string_map(value: object, what: str) -> dict[str, str]:
    if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        raise HttpError(400, f"{what} must be an object of string values")
    return value


def decode_push(body: bytes) -> list[PushStream]:
    """The streams of a JSON push body, or HttpError 400 (checked whole before anything is stored)."""
    try:
        doc = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise HttpError(400, f"invalid push request: body is not valid JSON: {e}") from e
    if not isinstance(doc, dict) or not isinstance(doc.get("streams", []), list):
        raise HttpError(400, 'invalid push request: expected {"streams": [...]}')
    streams = []
    for i, raw in enumerate(doc.get("streams") or []):
        if not isinstance(raw, dict):
            raise HttpError(400, f"invalid push request: streams[{i}] is not an object")
        labels = _string_map(raw.get("stream", {}), f"streams[{i}].stream")
        values = raw.get("values") or []
        if not isinstance(values, list):
            raise HttpError(400, f"invalid push request: streams[{i}].values is not an array")
        entries = []
        for j, value in enumerate(values):
            where = f"streams[{i}].values[{j}]"
            if not isinstance(value, list) or len(value) not in (2, 3):
                raise HttpError(400, f'invalid push request: {where} must be ["<ns>", "<line>"(, {{metadata}})]')
            ts, line = value[0], value[1]
            if not isinstance(ts, str) or not re.fullmatch(r"\d{1,19}", ts) or int(ts) >= 2**63:
                raise HttpError(400, f"invalid push request: {where}: timestamp must be a string of nanoseconds")
            if not isinstance(line, str):
                raise HttpError(400, f"invalid push request: {where}: the line must be a string")
            metadata = _string_map(value[2], f"{where} structured metadata") if len(value) == 3 else None
            entries.append((int(ts), line, metadata))
        streams.append(PushStream(labels, entries))
    return streams


def make_server(
    host: str, port: int, store: Store, max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
) -> ThreadingHTTPServer:
    handler = type("LokiDoubleHandler", (Handler,), {"store": store, "max_body_bytes": max_body_bytes})
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    return server
