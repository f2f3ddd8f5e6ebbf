"""Evaluation of parsed LogQL over the store, into Loki's `streams`, `matrix` and `vector` results.

Time ranges follow Loki: log queries select `start <= ts < end`; a metric query is evaluated at
`start, start + step, ...` up to and including `end` (no alignment of start to the step, as with
Loki's default `align_queries_with_step: false`), and each evaluation at `t` counts the entries of
the left-open, right-closed window `(t - range, t]`.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass
from decimal import Decimal

from .logql import (
    ERROR_DETAILS_LABEL,
    ERROR_LABEL,
    Expr,
    LogQuery,
    RangeAggregation,
    VectorAggregation,
    format_labels,
    run_pipeline,
)
from .store import Store

MAX_ENTRIES_LIMIT_PER_QUERY = 5000  # Loki's max_entries_limit_per_query default
MAX_QUERY_SERIES = 500  # Loki's max_query_series default
MAX_POINTS_PER_SERIES = 11000  # Loki refuses finer resolutions


class QueryError(ValueError):
    """A query Loki refuses with 400 (message is Loki's)."""


@dataclass(frozen=True)
class Window:
    start_ns: int
    end_ns: int
    step_ns: int
    limit: int
    forward: bool


def format_value(value: float) -> str:
    """A sample value as Go's strconv.FormatFloat(v, 'f', -1, 64) writes it."""
    if math.isnan(value):
        return "NaN"
    if value in (float("inf"), float("-inf")):
        return "+Inf" if value > 0 else "-Inf"
    if value.is_integer():
        return str(int(value))
    return format(Decimal(repr(value)), "f")


def format_time(ts_ns: int) -> float | int:
    """A sample time as Loki's JSON writes it: seconds with millisecond precision."""
    ms = ts_ns // 1_000_000
    return ms // 1000 if ms % 1000 == 0 else ms / 1000


def _pipeline_entries(store: Store, query: LogQuery, start_ns: int, end_ns: int):
    """(labels after the pipeline, ts, seq, line) of every entry the log query keeps."""
    labels_cache: dict[tuple, dict[str, str]] = {}
    for stream_labels, entries in store.select(query.matchers, start_ns, end_ns):
        for ts, seq, line, metadata in entries:
            labels = run_pipeline(query.stages, stream_labels, metadata, line)
            if labels is not None:
                key = tuple(sorted(labels.items()))
                yield labels_cache.setdefault(key, labels), key, ts, seq, line


def eval_logs(store: Store, query: LogQuery, window: Window) -> tuple[list[dict], int]:
    """Loki's `streams` result: the `limit` newest (backward) or oldest (forward) entries over all
    streams, grouped by their labels after the pipeline. Also returns the lines scanned."""
    kept: list[tuple[int, int, tuple, str]] = []
    labels_of: dict[tuple, dict[str, str]] = {}
    for labels, key, ts, seq, line in _pipeline_entries(store, query, window.start_ns, window.end_ns):
        labels_of[key] = labels
        kept.append((ts, seq, key, line))
    kept.sort(reverse=not window.forward)
    by_stream: dict[tuple, list[list[str]]] = {}
    for ts, _, key, line in kept[: window.limit]:
        by_stream.setdefault(key, []).append([str(ts), line])
    result = [{"stream": labels_of[key], "values": values} for key, values in sorted(by_stream.items())]
    return result, len(kept)


def _series_windows(store: Store, agg: RangeAggregation, start_ns: int, end_ns: int):
    """Per label set, the sorted timestamps the pipeline keeps in (start - range, end]."""
    series: dict[tuple, tuple[dict[str, str], list[int]]] = {}
    # The store selects [from, to): one nanosecond on each side turns it into (from, to].
    for labels, key, ts, _, _ in _pipeline_entries(store, agg.query, start_ns - agg.range_ns + 1, end_ns + 1):
        if ERROR_LABEL in labels:
            raise QueryError(
                f"pipeline error: '{labels[ERROR_LABEL]}' for series: "
                f"'{format_labels({k: v for k, v in labels.items() if k != ERROR_DETAILS_LABEL})}'.\n"
                f'Use a label filter to intentionally skip this error. (e.g | __error__!="{labels[ERROR_LABEL]}").\n'
                'To skip all potential errors you can match empty errors.(e.g __error__="")'
            )
        series.setdefault(key, (labels, []))[1].append(ts)
    for _, times in series.values():
        times.sort()
    return series


def _range_points(agg: RangeAggregation, times: list[int], steps: list[int]) -> list[tuple[int, float]]:
    points = []
    seconds = agg.range_ns / 1e9
    for t in steps:
        count = bisect.bisect_right(times, t) - bisect.bisect_right(times, t - agg.range_ns)
        if count:
            points.append((t, count / seconds if agg.function == "rate" else float(count)))
    return points


def _eval_metric(store: Store, expr: RangeAggregation | VectorAggregation, steps: list[int]):
    """{label key: (labels, [(t, value)])} of a metric expression at the given times."""
    if isinstance(expr, RangeAggregation):
        out = {}
        for key, (labels, times) in _series_windows(store, expr, steps[0], steps[-1]).items():
            points = _range_points(expr, times, steps)
            if points:
                out[key] = ({k: v for k, v in labels.items() if k != ERROR_DETAILS_LABEL}, points)
        return out
    inner = _eval_metric(store, expr.inner, steps)
    groups: dict[tuple, tuple[dict[str, str], dict[int, float]]] = {}
    for labels, points in inner.values():
        if expr.grouping == "by":
            group = {k: labels[k] for k in expr.labels if k in labels}
        elif expr.grouping == "without":
            group = {k: v for k, v in labels.items() if k not in expr.labels}
        else:
            group = {}
        key = tuple(sorted(group.items()))
        sums = groups.setdefault(key, (group, {}))[1]
        for t, v in points:
            sums[t] = sums.get(t, 0.0) + v
    return {key: (group, sorted(sums.items())) for key, (group, sums) in groups.items()}


def _check_series(series: dict) -> None:
    if len(series) > MAX_QUERY_SERIES:
        raise QueryError(
            f"maximum number of series ({MAX_QUERY_SERIES}) reached for a single query; consider reducing query "
            "cardinality by adding more specific stream selectors, reducing the time range, or aggregating "
            "results with functions like sum(), count() or topk()"
        )


def eval_range(store: Store, expr: Expr, window: Window) -> tuple[str, list[dict], int]:
    """(resultType, result, entries returned) of a range query."""
    if isinstance(expr, LogQuery):
        if window.limit > MAX_ENTRIES_LIMIT_PER_QUERY:
            raise QueryError(
                "max entries limit per query exceeded, limit > max_entries_limit_per_query "
                f"({window.limit} > {MAX_ENTRIES_LIMIT_PER_QUERY})"
            )
        result, _ = eval_logs(store, expr, window)
        return "streams", result, sum(len(s["values"]) for s in result)
    points = (window.end_ns - window.start_ns) // window.step_ns + 1
    if points > MAX_POINTS_PER_SERIES:
        raise QueryError(
            "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution "
            "(?step=XX)"
        )
    steps = [window.start_ns + i * window.step_ns for i in range(points)]
    series = _eval_metric(store, expr, steps)
    _check_series(series)
    result = [
        {"metric": labels, "values": [[format_time(t), format_value(v)] for t, v in pts]}
        for _, (labels, pts) in sorted(series.items())
    ]
    return "matrix", result, 0


def eval_instant(store: Store, expr: Expr, time_ns: int) -> tuple[str, list[dict], int]:
    if isinstance(expr, LogQuery):
        raise QueryError(
            "log queries are not supported as an instant query type, please change your query to a range query type"
        )
    series = _eval_metric(store, expr, [time_ns])
    _check_series(series)
    result = [
        {"metric": labels, "value": [format_time(t), format_value(v)]}
        for _, (labels, pts) in sorted(series.items())
        for t, v in pts
    ]
    return "vector", result, 0
