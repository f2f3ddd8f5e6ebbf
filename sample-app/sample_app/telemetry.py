"""OpenTelemetry traces, Prometheus metrics named after the OTel HTTP server conventions, JSON logs."""

from __future__ import annotations

import json
import logging
import sys
import time

from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from prometheus_client import CollectorRegistry, Histogram, disable_created_metrics

from .loki import LokiHandler

# The OTel semantic conventions' advisory buckets for http.server.request.duration, in seconds:
# fine below 100 ms where healthy requests sit, coarse up to 10 s for timeouts, so that p95
# is meaningful both before and during a latency degradation.
DURATION_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0)

disable_created_metrics()


class Metrics:
    def __init__(self, service: str) -> None:
        self.service = service
        self.registry = CollectorRegistry()
        self.duration = Histogram(
            "http_server_request_duration_seconds",
            "Duration of HTTP server requests.",
            ["service_name", "http_request_method", "http_route", "http_response_status_code"],
            buckets=DURATION_BUCKETS,
            registry=self.registry,
        )

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        self.duration.labels(self.service, method, route, str(status)).observe(seconds)


RESERVED = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, service, message, then the record's extra fields."""

    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        doc = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "service_name": self.service,
            "message": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in RESERVED and not key.startswith("_"):
                doc[key] = value
        if record.exc_info:
            doc["exception"] = self.formatException(record.exc_info)
        return json.dumps(doc, default=str)


def setup_tracing(service: str, otlp_endpoint: str | None) -> TracerProvider:
    """A provider of the service's own (not the global one, so that tests can run two services)."""
    resource = Resource.create({"service.name": service, "service.namespace": "rcp-demo"})
    provider = TracerProvider(resource=resource)
    if otlp_endpoint:
        exporter = OTLPSpanExporter(endpoint=otlp_endpoint.rstrip("/") + "/v1/traces", timeout=5)
        provider.add_span_processor(BatchSpanProcessor(exporter, schedule_delay_millis=1000))
    return provider


def setup_logging(service: str, loki_url: str | None) -> tuple[logging.Logger, LokiHandler | None]:
    logger = logging.getLogger(f"sample_app.{service}")
    logger.setLevel(logging.INFO)
    logger.propagate = False
    for h in list(logger.handlers):
        logger.removeHandler(h)
    formatter = JsonFormatter(service)
    stdout = logging.StreamHandler(sys.stdout)
    stdout.setFormatter(formatter)
    logger.addHandler(stdout)
    loki = None
    if loki_url:
        loki = LokiHandler(loki_url, {"service_name": service})
        loki.setFormatter(formatter)
        logger.addHandler(loki)
    return logger, loki


def trace_fields() -> dict[str, str]:
    ctx = trace.get_current_span().get_span_context()
    if not ctx.is_valid:
        return {}
    return {"trace_id": format(ctx.trace_id, "032x"), "span_id": format(ctx.span_id, "016x")}
