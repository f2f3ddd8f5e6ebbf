"""The sample services: `sample-app` (a small shop front) and `payments` (its downstream).

Both run from this module; `--service` picks the routes. Standard library HTTP server,
OpenTelemetry spans created by hand (SERVER spans for requests, CLIENT spans for the call to
payments, W3C trace context propagated), so that what Tempo, Prometheus and Loki receive is
exactly what the OTel conventions describe, with no instrumentation library in between.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import re
import signal
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from opentelemetry import propagate
from opentelemetry.trace import SpanKind, Status, StatusCode
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from .faults import Fault, FaultRegistry, error_message, order_id, status_for
from .telemetry import Metrics, setup_logging, setup_tracing, trace_fields


@dataclass
class Request:
    method: str
    path: str
    route: str
    params: dict[str, str]
    body: dict
    path_params: dict[str, str] = field(default_factory=dict)


@dataclass
class Response:
    status: int
    body: dict
    # Set on failures: the log message that explains them.
    error: str | None = None


Handler = Callable[["Service", Request], Response]


@dataclass(frozen=True)
class Route:
    method: str
    template: str
    handler: Handler
    pattern: re.Pattern = field(init=False, compare=False)

    def __post_init__(self) -> None:
        regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", self.template)
        object.__setattr__(self, "pattern", re.compile(f"^{regex}$"))


def match_route(routes: list[Route], method: str, path: str) -> tuple[Route | None, dict[str, str], bool]:
    """(route, path parameters, whether the path exists with another method)."""
    path_known = False
    for r in routes:
        m = r.pattern.match(path)
        if m:
            if r.method == method:
                return r, m.groupdict(), True
            path_known = True
    return None, {}, path_known


def _work(min_ms: float, max_ms: float, rng: random.Random) -> None:
    time.sleep(rng.uniform(min_ms, max_ms) / 1000.0)


# ---- sample-app routes ---------------------------------------------------------------------


def home(svc: Service, req: Request) -> Response:
    _work(1, 8, svc.rng)
    return Response(200, {"service": svc.name, "status": "ok"})


def always_error(svc: Service, req: Request) -> Response:
    rule = svc.rng.randint(100, 999)
    return Response(500, {"error": "internal error"}, f"unhandled ZeroDivisionError in pricing rule {rule}")


def products(svc: Service, req: Request) -> Response:
    with svc.tracer.start_as_current_span("SELECT products", kind=SpanKind.CLIENT) as span:
        span.set_attribute("db.system", "postgresql")
        span.set_attribute("db.operation.name", "SELECT")
        _work(5, 30, svc.rng)
    return Response(200, {"products": [f"SKU-{svc.rng.randint(10000, 99999)}" for _ in range(5)]})


def product(svc: Service, req: Request) -> Response:
    _work(3, 20, svc.rng)
    return Response(200, {"id": req.path_params["id"], "price": round(svc.rng.uniform(3, 300), 2)})


def cart(svc: Service, req: Request) -> Response:
    _work(2, 15, svc.rng)
    return Response(200, {"items": svc.rng.randint(0, 6)})


def checkout(svc: Service, req: Request) -> Response:
    order = req.params.get("order") or order_id(svc.rng)
    amount = round(svc.rng.uniform(5, 500), 2)
    _work(5, 20, svc.rng)
    started = time.perf_counter()
    status, body = svc.call_payments(order, amount)
    elapsed_ms = int((time.perf_counter() - started) * 1000)
    if status is None:
        return Response(
            502,
            {"order": order, "error": "payments unreachable"},
            f"checkout failed for order {order}: {body['error']} after {elapsed_ms}ms",
        )
    if status >= 500:
        return Response(
            502,
            {"order": order, "error": "payment failed"},
            f"checkout failed for order {order}: payments returned {status} after {elapsed_ms}ms",
        )
    return Response(200, {"order": order, "amount": amount, "payment": body.get("status", "captured")})


# ---- payments routes -----------------------------------------------------------------------


def request_order(req: Request, rng: random.Random) -> str:
    """The order a payments request is about: its body, its query, or a new id."""
    return str(req.body.get("order_id") or req.params.get("order") or order_id(rng))


def charge(svc: Service, req: Request) -> Response:
    order = request_order(req, svc.rng)
    with svc.tracer.start_as_current_span("provider authorize", kind=SpanKind.INTERNAL) as span:
        span.set_attribute("payment.provider", "acmepay")
        _work(15, 60, svc.rng)
    return Response(200, {"order_id": order, "status": "captured"})


SAMPLE_APP_ROUTES = [
    Route("GET", "/", home),
    Route("GET", "/error", always_error),
    Route("GET", "/products", products),
    Route("GET", "/products/{id}", product),
    Route("GET", "/cart", cart),
    Route("POST", "/checkout", checkout),
    Route("GET", "/checkout", checkout),
]

PAYMENTS_ROUTES = [
    Route("GET", "/", home),
    Route("GET", "/error", always_error),
    Route("POST", "/charge", charge),
]

# How long the simulated timeouts wait before failing, in milliseconds.
TIMEOUT_MS = {"provider_timeout": (1200, 2600), "db_timeout": (600, 1500)}

# Default failure kind per route when a fault does not name one.
ROUTE_KINDS = {"/charge": "provider_timeout", "/checkout": "db_timeout", "/products": "db_timeout"}


class Service:
    def __init__(
        self,
        name: str,
        routes: list[Route],
        payments_url: str | None = None,
        otlp_endpoint: str | None = None,
        loki_url: str | None = None,
        seed: int | None = None,
    ) -> None:
        self.name = name
        self.routes = routes
        self.payments_url = payments_url.rstrip("/") if payments_url else None
        self.rng = random.Random(seed)
        self.faults = FaultRegistry()
        self.metrics = Metrics(name)
        self.tracer_provider = setup_tracing(name, otlp_endpoint)
        self.tracer = self.tracer_provider.get_tracer("sample_app")
        self.log, self.loki = setup_logging(name, loki_url)

    def call_payments(self, order: str, amount: float) -> tuple[int | None, dict]:
        if not self.payments_url:
            return None, {"error": "no payments service configured"}
        url = f"{self.payments_url}/charge"
        with self.tracer.start_as_current_span("POST /charge", kind=SpanKind.CLIENT) as span:
            span.set_attribute("http.request.method", "POST")
            span.set_attribute("url.full", url)
            span.set_attribute("server.address", urlsplit(url).hostname or "")
            span.set_attribute("peer.service", "payments")
            headers = {"Content-Type": "application/json"}
            propagate.inject(headers)
            data = json.dumps({"order_id": order, "amount": amount}).encode()
            req = urllib.request.Request(url, data=data, headers=headers, method="POST")
            try:
                with urllib.request.urlopen(req, timeout=5) as resp:
                    status, body = resp.status, json.loads(resp.read() or b"{}")
            except urllib.error.HTTPError as e:
                status, body = e.code, {"error": e.reason}
            except (urllib.error.URLError, TimeoutError, OSError) as e:
                span.set_status(Status(StatusCode.ERROR, str(e)))
                return None, {"error": f"payments call failed ({e.__class__.__name__})"}
            span.set_attribute("http.response.status_code", status)
            if status >= 500:
                span.set_status(Status(StatusCode.ERROR, f"HTTP {status}"))
            return status, body

    def handle(self, req: Request, handler: Handler) -> Response:
        fault = self.faults.active(req.route)
        if fault is not None:
            if fault.latency_ms:
                time.sleep(fault.latency_ms * self.rng.uniform(0.8, 1.2) / 1000.0)
            if fault.error_rate and self.rng.random() < fault.error_rate:
                kind = fault.kind
                order = request_order(req, self.rng)
                waited_ms = None
                if kind in TIMEOUT_MS:
                    # A timeout really takes its time, so that latency rises with the errors upstream.
                    waited_ms = self.rng.randint(*TIMEOUT_MS[kind])
                    time.sleep(waited_ms / 1000.0)
                message = error_message(kind, self.rng, order, waited_ms)
                return Response(status_for(kind), {"error": kind}, message)
        try:
            return handler(self, req)
        except Exception as e:  # an unexpected bug becomes a logged 500
            self.log.exception("unhandled error")
            return Response(500, {"error": "internal error"}, f"unhandled {e.__class__.__name__}: {e}")


def make_handler(svc: Service) -> type[BaseHTTPRequestHandler]:
    class RequestHandler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "sample-app/1.0"

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the stdlib's name
            pass  # request logs are the JSON lines written by _instrumented

        def _send(self, status: int, body: bytes, content_type: str = "application/json") -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def _read_body(self) -> dict:
            length = int(self.headers.get("Content-Length") or 0)
            if not length:
                return {}
            raw = self.rfile.read(length)
            try:
                doc = json.loads(raw)
            except ValueError:
                return {}
            return doc if isinstance(doc, dict) else {}

        def _dispatch(self) -> None:
            url = urlsplit(self.path)
            params = {k: v[-1] for k, v in parse_qs(url.query).items()}
            body = self._read_body()
            if url.path == "/metrics" and self.command == "GET":
                self._send(200, generate_latest(svc.metrics.registry), CONTENT_TYPE_LATEST)
                return
            if url.path in ("/health", "/ready"):
                self._send(200, b'{"status":"ok"}')
                return
            if url.path == "/admin/fault":
                self._admin_fault(body)
                return
            route, path_params, path_known = match_route(svc.routes, self.command, url.path)
            if route is None:
                self._send(405 if path_known else 404, b'{"error":"not found"}')
                return
            req = Request(self.command, url.path, route.template, params, body, path_params)
            self._instrumented(req, route)

        def _instrumented(self, req: Request, route: Route) -> None:
            # The default getter is case-sensitive: header names are lower-cased as in HTTP/2.
            ctx = propagate.extract({k.lower(): v for k, v in self.headers.items()})
            started = time.perf_counter()
            with svc.tracer.start_as_current_span(
                f"{req.method} {req.route}",
                context=ctx,
                kind=SpanKind.SERVER,
                attributes={
                    "http.request.method": req.method,
                    "http.route": req.route,
                    "url.path": req.path,
                    "server.port": self.server.server_address[1],
                },
            ) as span:
                resp = svc.handle(req, route.handler)
                span.set_attribute("http.response.status_code", resp.status)
                if resp.status >= 500:
                    span.set_status(Status(StatusCode.ERROR, resp.error or f"HTTP {resp.status}"))
                elapsed = time.perf_counter() - started
                fields = {
                    "route": req.route,
                    "method": req.method,
                    "status": resp.status,
                    "duration_ms": round(elapsed * 1000, 1),
                    **trace_fields(),
                }
                fault = svc.faults.active(req.route)
                if fault is not None and fault.mute_logs:
                    pass
                elif resp.status >= 500:
                    svc.log.error(resp.error or f"request failed with status {resp.status}", extra=fields)
                elif resp.status >= 400 and resp.error:
                    # Client errors are the caller's mistake: a warning, not an error line.
                    svc.log.warning(resp.error, extra=fields)
                else:
                    svc.log.info(f"{req.method} {req.route} {resp.status}", extra=fields)
            svc.metrics.observe(req.method, req.route, resp.status, time.perf_counter() - started)
            self._send(resp.status, json.dumps(resp.body).encode())

        def _send_faults(self) -> None:
            self._send(200, json.dumps({"service": svc.name, "faults": svc.faults.snapshot()}).encode())

        def _admin_fault(self, body: dict) -> None:
            if self.command == "GET":
                self._send_faults()
            elif self.command == "DELETE":
                svc.faults.clear(body.get("route"))
                svc.log.info("faults cleared", extra={"route": body.get("route", "*"), "admin": True})
                self._send_faults()
            elif self.command in ("POST", "PUT"):
                body.setdefault("kind", ROUTE_KINDS.get(str(body.get("route")), "db_timeout"))
                try:
                    fault = Fault.from_request(body, time.time())
                except (ValueError, TypeError) as e:
                    self._send(400, json.dumps({"error": str(e)}).encode())
                    return
                svc.faults.set(fault)
                svc.log.info("fault injected", extra={"fault": fault.to_json(), "admin": True})
                self._send_faults()
            else:
                self._send(405, b'{"error":"method not allowed"}')

        do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _dispatch

    return RequestHandler


def build_service(name: str, args: argparse.Namespace) -> Service:
    routes = PAYMENTS_ROUTES if name == "payments" else SAMPLE_APP_ROUTES
    return Service(
        name,
        routes,
        payments_url=args.payments_url,
        otlp_endpoint=args.otlp_endpoint,
        loki_url=args.loki_url,
        seed=args.seed,
    )


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    env = os.environ.get
    p = argparse.ArgumentParser(prog="sample_app", description=__doc__.splitlines()[0])
    p.add_argument("--service", default=env("SERVICE_NAME", "sample-app"), help="sample-app or payments")
    p.add_argument("--host", default=env("HOST", "127.0.0.1"))
    p.add_argument("--port", type=int, default=int(env("PORT", "8080")))
    p.add_argument("--payments-url", default=env("PAYMENTS_URL"), help="base URL of the payments service")
    p.add_argument(
        "--otlp-endpoint",
        default=env("OTEL_EXPORTER_OTLP_ENDPOINT"),
        help="OTLP/HTTP base URL, e.g. http://127.0.0.1:4318 (traces are off without it)",
    )
    p.add_argument("--loki-url", default=env("LOKI_URL"), help="Loki base URL (logs only go to stdout without it)")
    p.add_argument("--seed", type=int, default=None)
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    svc = build_service(args.service, args)
    server = ThreadingHTTPServer((args.host, args.port), make_handler(svc))
    server.daemon_threads = True
    stop = threading.Event()

    def shutdown(signum: int, frame: object) -> None:
        if not stop.is_set():
            stop.set()
            threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, shutdown)
    signal.signal(signal.SIGINT, shutdown)
    svc.log.info(
        f"{svc.name} listening on {args.host}:{args.port}",
        extra={"payments_url": args.payments_url, "otlp": args.otlp_endpoint, "loki": args.loki_url},
    )
    server.serve_forever()
    svc.log.info(f"{svc.name} stopping")
    svc.tracer_provider.shutdown()
    if svc.loki:
        svc.loki.close()
    logging.shutdown()
