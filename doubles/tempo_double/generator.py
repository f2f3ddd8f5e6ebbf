"""Tempo metrics-generator series computed from the received spans, for Prometheus to scrape.

Span metrics and service graphs follow the processors of Tempo's metrics-generator as its
documentation describes them, with the settings of observability/tempo.yaml: span-metrics
dimensions `http.route` and `http.response.status_code`, a service-graph `wait` of 15 s. Values
are cumulative since the double started (Tempo writes them to Prometheus by remote write; here
Prometheus scrapes `GET /metrics`).

Service graphs pair a CLIENT (or PRODUCER) span with the SERVER (or CONSUMER) span whose parent
it is, in whichever order and request the two arrive. An edge still unpaired after `wait` expires
as in Tempo: a root server span becomes an edge from the virtual node `user`, a client span with a
peer attribute (`peer.service`, `db.name`, `db.system`) an edge to that virtual node, anything
else counts in `traces_service_graph_unpaired_spans_total`. Client spans carrying `db.name` or
`db.system` with a nameable server are database edges, complete at once.
"""

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue
from opentelemetry.proto.trace.v1.trace_pb2 import Span, Status

from .store import service_name

# Tempo's default histogram buckets (seconds) for each processor.
SPAN_METRICS_BUCKETS = (0.002, 0.004, 0.008, 0.016, 0.032, 0.064, 0.128, 0.256, 0.512, 1.02, 2.05, 4.10)
SERVICE_GRAPH_BUCKETS = (0.1, 0.2, 0.4, 0.8, 1.6, 3.2, 6.4, 12.8)
# observability/tempo.yaml: metrics_generator.processor.span_metrics.dimensions and service_graphs.wait
SPAN_METRICS_DIMENSIONS = ("http.route", "http.response.status_code")
SERVICE_GRAPH_WAIT_SECONDS = 15.0
# Tempo's defaults: edges waiting for their other half, and the peer attributes naming virtual nodes.
SERVICE_GRAPH_MAX_ITEMS = 10_000
PEER_ATTRIBUTES = ("peer.service", "db.name", "db.system")
# Label combinations kept across all series; past it new ones are dropped and counted, not stored.
MAX_SERIES = 10_000
TENANT = "single-tenant"

HELP = {
    "traces_spanmetrics_calls_total": ("counter", "Total count of the span"),
    "traces_spanmetrics_latency": ("histogram", "Duration of the span"),
    "traces_spanmetrics_size_total": ("counter", "Total size of spans ingested"),
    "traces_service_graph_request_total": ("counter", "Total count of requests between two nodes"),
    "traces_service_graph_request_failed_total": ("counter", "Total count of failed requests between two nodes"),
    "traces_service_graph_request_server_seconds": (
        "histogram",
        "Time for a request between two nodes as seen from the server",
    ),
    "traces_service_graph_request_client_seconds": (
        "histogram",
        "Time for a request between two nodes as seen from the client",
    ),
    "traces_service_graph_unpaired_spans_total": ("counter", "Total count of unpaired spans"),
    "traces_service_graph_dropped_spans_total": ("counter", "Total count of dropped spans"),
    "tempo_metrics_generator_processor_service_graphs_expired_edges": (
        "counter",
        "Number of edges that expired before finding its matching span",
    ),
    "tempo_double_series_limited_total": (
        "counter",
        f"Series the Tempo API double did not create because {MAX_SERIES} label combinations exist",
    ),
}

Labels = tuple[tuple[str, str], ...]


def attribute_text(value: AnyValue) -> str | None:
    """An attribute value as a label value, the way Tempo's generator stringifies it."""
    kind = value.WhichOneof("value")
    if kind == "string_value":
        return value.string_value
    if kind == "int_value":
        return str(value.int_value)
    if kind == "bool_value":
        return "true" if value.bool_value else "false"
    if kind == "double_value":
        return repr(value.double_value)
    return None


def find_attribute(key: str, *attribute_lists) -> str | None:
    for attributes in attribute_lists:
        for kv in attributes:
            if kv.key == key:
                text = attribute_text(kv.value)
                if text is not None:
                    return text
    return None


def label_name(attribute: str) -> str:
    return "".join(ch if ch.isalnum() or ch == "_" else "_" for ch in attribute)


def duration_seconds(span: Span) -> float:
    return max(0, span.end_time_unix_nano - span.start_time_unix_nano) / 1e9


def enum_name(enum, number: int) -> str:
    try:
        return enum.Name(number)
    except ValueError:
        return str(number)


@dataclass
class Histogram:
    buckets: tuple[float, ...]
    counts: list[int] = field(default_factory=list)
    total: float = 0.0
    count: int = 0

    def observe(self, value: float) -> None:
        if not self.counts:
            self.counts = [0] * len(self.buckets)
        for i, bound in enumerate(self.buckets):
            if value <= bound:
                self.counts[i] += 1
        self.total += value
        self.count += 1


@dataclass
class Edge:
    parent_is_root: bool  # keyed by a server span without parent: the client may be the virtual `user`
    created: float
    client: str = ""
    server: str = ""
    connection_type: str = ""
    client_seconds: float = 0.0
    server_seconds: float = 0.0
    failed: bool = False
    peer_node: str = ""


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _render_labels(labels: Labels, extra: tuple[tuple[str, str], ...] = ()) -> str:
    # Empty label values are the same as absent ones to Prometheus; Tempo writes them empty.
    pairs = [(k, v) for k, v in labels + extra if v != ""]
    if not pairs:
        return ""
    return "{" + ",".join(f'{k}="{_escape(v)}"' for k, v in pairs) + "}"


def _number(value: float) -> str:
    if isinstance(value, int) or float(value).is_integer():
        return str(int(value))
    return repr(float(value))


class Generator:
    def __init__(self, clock: Callable[[], float], wait_seconds: float = SERVICE_GRAPH_WAIT_SECONDS):
        self.clock = clock
        self.wait_seconds = wait_seconds
        self._lock = threading.Lock()
        self._counters: dict[tuple[str, Labels], float] = {}
        self._histograms: dict[tuple[str, Labels], Histogram] = {}
        self._combos: set[Labels] = set()
        self._edges: OrderedDict[tuple[bytes, bytes], Edge] = OrderedDict()  # oldest first

    # --- registry -------------------------------------------------------------------------------

    def _admit(self, labels: Labels) -> bool:
        if labels in self._combos:
            return True
        if len(self._combos) >= MAX_SERIES:
            key = ("tempo_double_series_limited_total", ())
            self._counters[key] = self._counters.get(key, 0) + 1
            return False
        self._combos.add(labels)
        return True

    def _inc(self, name: str, labels: Labels, value: float = 1) -> None:
        if self._admit(labels):
            self._counters[(name, labels)] = self._counters.get((name, labels), 0) + value

    def _observe(self, name: str, buckets: tuple[float, ...], labels: Labels, value: float) -> None:
        if self._admit(labels):
            self._histograms.setdefault((name, labels), Histogram(buckets)).observe(value)

    # --- processors -----------------------------------------------------------------------------

    def consume(self, request: ExportTraceServiceRequest) -> None:
        with self._lock:
            now = self.clock()
            self._expire(now)
            for resource_spans in request.resource_spans:
                resource_attributes = resource_spans.resource.attributes
                service = service_name(resource_attributes)
                for scope_spans in resource_spans.scope_spans:
                    for span in scope_spans.spans:
                        self._span_metrics(service, resource_attributes, span)
                        if service:  # Tempo's service-graph processor skips batches without service.name
                            self._service_graph(service, resource_attributes, span, now)

    def _span_metrics(self, service: str, resource_attributes, span: Span) -> None:
        dimensions = (
            (label_name(dim), find_attribute(dim, resource_attributes, span.attributes) or "")
            for dim in SPAN_METRICS_DIMENSIONS
        )
        labels: Labels = (
            ("service", service),
            ("span_name", span.name),
            ("span_kind", enum_name(Span.SpanKind, span.kind)),
            ("status_code", enum_name(Status.StatusCode, span.status.code)),
            *dimensions,
        )
        self._inc("traces_spanmetrics_calls_total", labels)
        self._observe("traces_spanmetrics_latency", SPAN_METRICS_BUCKETS, labels, duration_seconds(span))
        self._inc("traces_spanmetrics_size_total", labels, span.ByteSize())

    def _service_graph(self, service: str, resource_attributes, span: Span, now: float) -> None:
        failed = span.status.code == Status.STATUS_CODE_ERROR
        if span.kind in (Span.SPAN_KIND_CLIENT, Span.SPAN_KIND_PRODUCER):
            key = (span.trace_id, span.span_id)
            edge = self._edge(key, now, parent_is_root=False, labels_if_dropped=self._edge_labels(service, "", ""))
            if edge is None:
                return
            edge.connection_type = "messaging_system" if span.kind == Span.SPAN_KIND_PRODUCER else ""
            edge.client = service
            edge.client_seconds = duration_seconds(span)
            self._database(edge, resource_attributes, span)
        elif span.kind in (Span.SPAN_KIND_SERVER, Span.SPAN_KIND_CONSUMER):
            key = (span.trace_id, span.parent_span_id)
            root = not span.parent_span_id
            edge = self._edge(key, now, parent_is_root=root, labels_if_dropped=self._edge_labels("", service, ""))
            if edge is None:
                return
            edge.connection_type = "messaging_system" if span.kind == Span.SPAN_KIND_CONSUMER else ""
            edge.server = service
            edge.server_seconds = duration_seconds(span)
        else:
            return
        edge.failed = edge.failed or failed
        peer = next((v for v in (find_attribute(k, span.attributes) for k in PEER_ATTRIBUTES) if v), None)
        if peer:
            edge.peer_node = peer
        if edge.client and edge.server:
            del self._edges[key]
            self._complete(edge)

    def _edge(self, key, now: float, parent_is_root: bool, labels_if_dropped: Labels) -> Edge | None:
        """The edge waiting under `key`, a new one, or None when the store of waiting edges is full."""
        edge = self._edges.get(key)
        if edge is not None:
            return edge
        if len(self._edges) >= SERVICE_GRAPH_MAX_ITEMS:
            self._inc("traces_service_graph_dropped_spans_total", labels_if_dropped)
            return None
        edge = self._edges[key] = Edge(parent_is_root, now)
        return edge

    @staticmethod
    def _database(edge: Edge, resource_attributes, span: Span) -> None:
        db_name = find_attribute("db.name", resource_attributes, span.attributes)
        if db_name is None and find_attribute("db.system", resource_attributes, span.attributes) is None:
            return
        edge.connection_type = "database"
        edge.server_seconds = duration_seconds(span)
        for key in ("peer.service", "server.address"):
            name = find_attribute(key, resource_attributes, span.attributes)
            if name:
                edge.server = name
                return
        host = find_attribute("network.peer.address", resource_attributes, span.attributes)
        if host:
            port = find_attribute("network.peer.port", resource_attributes, span.attributes)
            edge.server = f"{host}:{port}" if port else host
            return
        if db_name:
            edge.server = db_name

    @staticmethod
    def _edge_labels(client: str, server: str, connection_type: str) -> Labels:
        return (("client", client), ("server", server), ("connection_type", connection_type))

    def _complete(self, edge: Edge) -> None:
        labels = self._edge_labels(edge.client, edge.server, edge.connection_type)
        self._inc("traces_service_graph_request_total", labels)
        if edge.failed:
            self._inc("traces_service_graph_request_failed_total", labels)
        self._observe("traces_service_graph_request_server_seconds", SERVICE_GRAPH_BUCKETS, labels, edge.server_seconds)
        self._observe("traces_service_graph_request_client_seconds", SERVICE_GRAPH_BUCKETS, labels, edge.client_seconds)

    def _expire(self, now: float) -> None:
        while self._edges:
            key, edge = next(iter(self._edges.items()))
            if now - edge.created <= self.wait_seconds:
                return
            del self._edges[key]
            self._inc("tempo_metrics_generator_processor_service_graphs_expired_edges", (("tenant", TENANT),))
            edge.connection_type = "virtual_node"
            if not edge.client and edge.parent_is_root:
                edge.client = "user"
                self._complete(edge)
            elif edge.client and not edge.server and edge.peer_node:
                edge.server = edge.peer_node
                self._complete(edge)
            else:
                labels = self._edge_labels(edge.client, edge.server, "")
                self._inc("traces_service_graph_unpaired_spans_total", labels)

    # --- exposition -----------------------------------------------------------------------------

    def exposition(self) -> str:
        """Prometheus text format 0.0.4 of every series, after expiring edges past their wait."""
        with self._lock:
            self._expire(self.clock())
            lines: list[str] = []
            for name, (kind, text) in HELP.items():
                lines.append(f"# HELP {name} {text}")
                lines.append(f"# TYPE {name} {kind}")
                if kind == "counter":
                    lines.extend(self._counter_lines(name))
                else:
                    lines.extend(self._histogram_lines(name))
            return "\n".join(lines) + "\n"

    def _counter_lines(self, name: str) -> Iterable[str]:
        for (series, labels), value in sorted(self._counters.items()):
            if series == name:
                yield f"{name}{_render_labels(labels)} {_number(value)}"

    def _histogram_lines(self, name: str) -> Iterable[str]:
        for (series, labels), hist in sorted(self._histograms.items(), key=lambda item: item[0]):
            if series != name:
                continue
            for bound, count in zip(hist.buckets, hist.counts, strict=True):
                yield f"{name}_bucket{_render_labels(labels, (('le', repr(bound)),))} {count}"
            yield f"{name}_bucket{_render_labels(labels, (('le', '+Inf'),))} {hist.count}"
            yield f"{name}_sum{_render_labels(labels)} {_number(hist.total)}"
            yield f"{name}_count{_render_labels(labels)} {hist.count}"
