"""Received traces, held in memory within bounds, looked up by id and searched.

Bounds: a number of traces, a retention window since a trace last received a span, and a byte
budget; past any of them the oldest traces go first. All access goes through one lock.
"""

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.trace.v1.trace_pb2 import ResourceSpans, Span, Status, TracesData

from .traceql import Condition

# Tempo's search result for a trace whose root span has not arrived.
ROOT_NOT_YET_RECEIVED = "<root span not yet received>"
STATUS_WORDS = {Status.STATUS_CODE_ERROR: "error", Status.STATUS_CODE_OK: "ok", Status.STATUS_CODE_UNSET: "unset"}
# Intrinsic tag names as Tempo lists them for `scope=intrinsic`.
INTRINSIC_TAGS = (
    "duration",
    "event:name",
    "event:timeSinceStart",
    "instrumentation:name",
    "instrumentation:version",
    "kind",
    "name",
    "rootName",
    "rootServiceName",
    "span:duration",
    "span:kind",
    "span:name",
    "span:status",
    "span:statusMessage",
    "status",
    "statusMessage",
    "trace:duration",
    "trace:rootName",
    "trace:rootService",
    "traceDuration",
)


def service_name(attributes) -> str:
    for kv in attributes:
        if kv.key == "service.name" and kv.value.HasField("string_value"):
            return kv.value.string_value
    return ""


@dataclass
class StoredTrace:
    trace_id: bytes
    # One ResourceSpans (with one ScopeSpans) per distinct resource and scope the spans came with.
    groups: dict[tuple[bytes, bytes], ResourceSpans] = field(default_factory=dict)
    span_ids: set[bytes] = field(default_factory=set)
    nbytes: int = 0
    start_ns: int = 0
    end_ns: int = 0
    root_service: str | None = None
    root_name: str = ""
    last_write: float = 0.0

    def add(self, resource_spans: ResourceSpans, scope_spans, span: Span) -> bool:
        if span.span_id in self.span_ids:
            return False  # a sender's retry: Tempo deduplicates span ids as well
        key = (
            resource_spans.resource.SerializeToString(deterministic=True) + resource_spans.schema_url.encode(),
            scope_spans.scope.SerializeToString(deterministic=True) + scope_spans.schema_url.encode(),
        )
        group = self.groups.get(key)
        if group is None:
            # Copies keep field presence, so an absent resource or scope stays absent in answers.
            group = ResourceSpans(schema_url=resource_spans.schema_url)
            if resource_spans.HasField("resource"):
                group.resource.CopyFrom(resource_spans.resource)
            scope = group.scope_spans.add(schema_url=scope_spans.schema_url)
            if scope_spans.HasField("scope"):
                scope.scope.CopyFrom(scope_spans.scope)
            self.groups[key] = group
            self.nbytes += len(key[0]) + len(key[1])
        group.scope_spans[0].spans.append(span)
        self.span_ids.add(span.span_id)
        self.nbytes += span.ByteSize()
        if not self.start_ns or span.start_time_unix_nano < self.start_ns:
            self.start_ns = span.start_time_unix_nano
        self.end_ns = max(self.end_ns, span.end_time_unix_nano)
        if not span.parent_span_id:
            self.root_service = service_name(resource_spans.resource.attributes)
            self.root_name = span.name
        return True

    def spans(self):
        for group in self.groups.values():
            service = service_name(group.resource.attributes)
            for span in group.scope_spans[0].spans:
                yield service, span


def _matches(service: str, span: Span, conditions: list[Condition]) -> bool:
    for condition in conditions:
        if condition.field == "status":
            if span.status.code != condition.value:
                return False
        elif service != condition.value:
            return False
    return True


def _matched_attributes(service: str, span: Span, conditions: list[Condition]) -> list[dict]:
    """The attributes a TraceQL condition selected, as Tempo returns them on a spanset's spans."""
    attributes = []
    for condition in conditions:
        if condition.field == "status":
            value = STATUS_WORDS.get(span.status.code, "unset")
            attributes.append({"key": "status", "value": {"stringValue": value}})
        else:
            attributes.append({"key": "service.name", "value": {"stringValue": service}})
    return attributes


class TraceStore:
    def __init__(self, max_traces: int, retention_seconds: float, max_bytes: int, clock: Callable[[], float]):
        self.max_traces = max_traces
        self.retention_seconds = retention_seconds
        self.max_bytes = max_bytes
        self.clock = clock
        self._lock = threading.Lock()
        self._traces: OrderedDict[bytes, StoredTrace] = OrderedDict()  # least recently written first
        self._bytes = 0

    def ingest(self, request: ExportTraceServiceRequest) -> int:
        """Stores every span of a fully parsed request; returns how many were new."""
        stored = 0
        with self._lock:
            now = self.clock()
            for resource_spans in request.resource_spans:
                for scope_spans in resource_spans.scope_spans:
                    for span in scope_spans.spans:
                        trace = self._traces.get(span.trace_id)
                        if trace is None:
                            trace = self._traces[span.trace_id] = StoredTrace(span.trace_id)
                        before = trace.nbytes
                        if trace.add(resource_spans, scope_spans, span):
                            stored += 1
                        self._bytes += trace.nbytes - before
                        trace.last_write = now
                        self._traces.move_to_end(span.trace_id)
            self._evict(now)
        return stored

    def _evict(self, now: float) -> None:
        while self._traces:
            oldest = next(iter(self._traces.values()))
            over = len(self._traces) > self.max_traces or self._bytes > self.max_bytes
            if not over and now - oldest.last_write <= self.retention_seconds:
                return
            del self._traces[oldest.trace_id]
            self._bytes -= oldest.nbytes

    def stats(self) -> tuple[int, int]:
        with self._lock:
            self._evict(self.clock())
            return len(self._traces), self._bytes

    def get(self, trace_id: bytes) -> TracesData | None:
        with self._lock:
            self._evict(self.clock())
            trace = self._traces.get(trace_id)
            if trace is None:
                return None
            data = TracesData()
            for group in trace.groups.values():
                data.resource_spans.append(group)
            return data

    def search(
        self, conditions: list[Condition], limit: int, spans_per_spanset: int, start_s: int | None, end_s: int | None
    ) -> tuple[list[dict], dict]:
        """Tempo's search response parts: matching traces (newest first) and the search metrics."""
        found: list[tuple[int, dict]] = []
        inspected_traces = inspected_bytes = 0
        with self._lock:
            self._evict(self.clock())
            for trace in self._traces.values():
                if start_s is not None and trace.end_ns < start_s * 1_000_000_000:
                    continue
                if end_s is not None and trace.start_ns > end_s * 1_000_000_000:
                    continue
                inspected_traces += 1
                inspected_bytes += trace.nbytes
                matched = sorted(
                    ((service, span) for service, span in trace.spans() if _matches(service, span, conditions)),
                    key=lambda pair: pair[1].start_time_unix_nano,
                )
                if matched:
                    found.append((trace.start_ns, self._summary(trace, matched, conditions, spans_per_spanset)))
        found.sort(key=lambda pair: pair[0], reverse=True)
        metrics = {
            "inspectedTraces": inspected_traces,
            "inspectedBytes": str(inspected_bytes),
            "completedJobs": 1,
            "totalJobs": 1,
        }
        return [summary for _, summary in found[:limit]], metrics

    @staticmethod
    def _summary(trace: StoredTrace, matched, conditions: list[Condition], spans_per_spanset: int) -> dict:
        spans = []
        for service, span in matched[:spans_per_spanset]:
            entry = {
                "spanID": span.span_id.hex(),
                "name": span.name,
                "startTimeUnixNano": str(span.start_time_unix_nano),
                "durationNanos": str(max(0, span.end_time_unix_nano - span.start_time_unix_nano)),
            }
            attributes = _matched_attributes(service, span, conditions)
            if attributes:
                entry["attributes"] = attributes
            spans.append(entry)
        spanset = {"spans": spans, "matched": len(matched)}
        summary = {
            # Tempo prints trace ids without leading zeros.
            "traceID": trace.trace_id.hex().lstrip("0") or "0",
            "rootServiceName": trace.root_service if trace.root_service is not None else ROOT_NOT_YET_RECEIVED,
            "startTimeUnixNano": str(trace.start_ns),
            "spanSet": spanset,
            "spanSets": [spanset],
        }
        if trace.root_service is not None:
            summary["rootTraceName"] = trace.root_name
        duration_ms = (trace.end_ns - trace.start_ns) // 1_000_000
        if duration_ms > 0:  # Tempo's JSON omits zero values
            summary["durationMs"] = duration_ms
        return summary

    def tag_names(self, limit: int) -> dict[str, list[str]]:
        """Attribute keys by scope over the stored traces, at most `limit` per scope."""
        resource: set[str] = set()
        span_keys: set[str] = set()
        with self._lock:
            self._evict(self.clock())
            for trace in self._traces.values():
                for group in trace.groups.values():
                    resource.update(kv.key for kv in group.resource.attributes)
                    for span in group.scope_spans[0].spans:
                        span_keys.update(kv.key for kv in span.attributes)
        return {
            "resource": sorted(resource)[:limit],
            "span": sorted(span_keys)[:limit],
            "intrinsic": list(INTRINSIC_TAGS),
        }
