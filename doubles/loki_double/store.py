"""The double's in-memory log store: streams of (timestamp, line) entries, bounded by a retention
window and a byte cap (oldest entries evicted first), validated and written atomically per push.
"""

from __future__ import annotations

import bisect
import heapq
import itertools
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from .logql import Matcher, format_labels

DEFAULT_RETENTION_SECONDS = 7200
DEFAULT_MAX_BYTES = 256 * 1024 * 1024
DEFAULT_MAX_LINE_BYTES = 256 * 1024  # Loki's default max_line_size
# Loki's defaults for the checks below.
MAX_STREAMS = 5000  # max_global_streams_per_user
MAX_LABEL_NAMES_PER_SERIES = 15
MAX_LABEL_NAME_LENGTH = 1024
MAX_LABEL_VALUE_LENGTH = 2048
CREATION_GRACE_NS = 10 * 60 * 10**9  # creation_grace_period: 10m
TOO_FAR_BEHIND_NS = 3600 * 10**9  # half of max_chunk_age (2h): how far behind a stream's newest entry
# Python's cost of an entry beyond its text (tuples, ints, heap slot), counted against the byte cap.
ENTRY_OVERHEAD_BYTES = 200

_LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")

Labels = dict[str, str]
# (timestamp ns, sequence number, line, structured metadata or None); the sequence number is
# unique, so entries sort by time then arrival and never compare their lines.
Entry = tuple[int, int, str, dict[str, str] | None]


class PushError(ValueError):
    """A push Loki would refuse: the message is Loki's, the status its HTTP status."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def rfc3339(ts_ns: int) -> str:
    seconds, nanos = divmod(ts_ns, 10**9)
    base = datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return base + (f".{nanos:09d}".rstrip("0") if nanos else "") + "Z"


@dataclass
class Stream:
    labels: Labels
    entries: list[Entry] = field(default_factory=list)
    newest_ns: int = 0


@dataclass(frozen=True)
class PushStream:
    labels: Labels
    entries: list[tuple[int, str, dict[str, str] | None]]


def _entry_bytes(line: str, metadata: dict[str, str] | None) -> int:
    size = len(line.encode()) + ENTRY_OVERHEAD_BYTES
    if metadata:
        size += sum(len(k) + len(v) for k, v in metadata.items())
    return size


class Store:
    def __init__(
        self,
        retention_seconds: float = DEFAULT_RETENTION_SECONDS,
        max_bytes: int = DEFAULT_MAX_BYTES,
        max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
        clock: Callable[[], int] = time.time_ns,
    ) -> None:
        self.retention_ns = int(retention_seconds * 1e9)
        self.max_bytes = max_bytes
        self.max_line_bytes = max_line_bytes
        self.clock = clock
        self.lock = threading.Lock()
        self.streams: dict[tuple[tuple[str, str], ...], Stream] = {}
        # Every stored entry once: (timestamp, sequence, stream key, bytes); the smallest is the oldest.
        self.heap: list[tuple[int, int, tuple[tuple[str, str], ...], int]] = []
        self.bytes = 0
        self.seq = itertools.count()

    # --- writes --------------------------------------------------------------------------------

    def validate_labels(self, labels: Labels) -> str:
        text = format_labels(labels)
        if not labels:
            raise PushError("error at least one label pair is required per stream")
        for name, value in labels.items():
            if not isinstance(value, str):
                raise PushError(f"Error parsing labels '{text}' with error: label value of {name} is not a string")
            if not _LABEL_NAME.fullmatch(name):
                raise PushError(f"Error parsing labels '{text}' with error: invalid label name {name!r}")
            if len(name) > MAX_LABEL_NAME_LENGTH:
                raise PushError(f"stream '{text}' has label name too long: '{name}'")
            if len(value) > MAX_LABEL_VALUE_LENGTH:
                raise PushError(f"stream '{text}' has label value too long: '{value}'")
        if len(labels) > MAX_LABEL_NAMES_PER_SERIES:
            raise PushError(
                f"entry for stream '{text}' has {len(labels)} label names; limit {MAX_LABEL_NAMES_PER_SERIES}"
            )
        return text

    def push(self, streams: list[PushStream]) -> int:
        """Stores every entry of the push or none of them (PushError); returns the entries stored."""
        with self.lock:
            now = self.clock()
            self._expire(now)
            oldest_ok = now - self.retention_ns
            newest_ok = now + CREATION_GRACE_NS
            # Validate everything before the first write: a refused push leaves nothing behind.
            newest_by_key: dict[tuple[tuple[str, str], ...], int] = {}
            new_streams = 0
            for stream in streams:
                text = self.validate_labels(stream.labels)
                key = tuple(sorted(stream.labels.items()))
                if key not in self.streams and key not in newest_by_key and stream.entries:
                    new_streams += 1
                    if len(self.streams) + new_streams > MAX_STREAMS:
                        raise PushError(
                            f"Maximum active stream limit exceeded when trying to create stream {text}, reduce the "
                            "number of active streams (reduce labels or reduce label values), or contact your Loki "
                            "administrator to see if the limit can be increased, user: 'fake'",
                            status=429,
                        )
                newest = newest_by_key.get(key, self.streams[key].newest_ns if key in self.streams else 0)
                for ts, line, _ in stream.entries:
                    size = len(line.encode())
                    if size > self.max_line_bytes:
                        raise PushError(
                            f"Max entry size '{self.max_line_bytes}' bytes exceeded for stream '{text}' "
                            f"while adding an entry with length '{size}' bytes"
                        )
                    if ts < oldest_ok:
                        raise PushError(
                            f"entry for stream '{text}' has timestamp too old: {rfc3339(ts)}, "
                            f"oldest acceptable timestamp is: {rfc3339(oldest_ok)}"
                        )
                    if ts > newest_ok:
                        raise PushError(f"entry for stream '{text}' has timestamp too new: {rfc3339(ts)}")
                    if newest and ts < newest - TOO_FAR_BEHIND_NS:
                        raise PushError(
                            f"entry with timestamp {rfc3339(ts)} ignored, reason: 'entry too far behind, entry "
                            f"timestamp is: {rfc3339(ts)}, oldest acceptable timestamp is: "
                            f"{rfc3339(newest - TOO_FAR_BEHIND_NS)}' for stream: {text}"
                        )
                    newest = max(newest, ts)
                newest_by_key[key] = newest
            stored = 0
            for stream in streams:
                stored += self._write(stream)
            self._evict_bytes()
            return stored

    def _write(self, push: PushStream) -> int:
        key = tuple(sorted(push.labels.items()))
        if not push.entries:
            return 0
        stream = self.streams.get(key)
        if stream is None:
            stream = self.streams[key] = Stream(dict(push.labels))
        stored = 0
        for ts, line, metadata in push.entries:
            # Loki drops an entry identical (time and line) to one the stream holds.
            if self._holds(stream.entries, ts, line):
                continue
            seq = next(self.seq)
            entry: Entry = (ts, seq, line, metadata or None)
            if not stream.entries or stream.entries[-1][:2] < (ts, seq):
                stream.entries.append(entry)
            else:
                bisect.insort(stream.entries, entry)
            size = _entry_bytes(line, metadata)
            heapq.heappush(self.heap, (ts, seq, key, size))
            self.bytes += size
            stream.newest_ns = max(stream.newest_ns, ts)
            stored += 1
        return stored

    @staticmethod
    def _holds(entries: list[Entry], ts: int, line: str) -> bool:
        at = bisect.bisect_left(entries, (ts, -1))
        while at < len(entries) and entries[at][0] == ts:
            if entries[at][2] == line:
                return True
            at += 1
        return False

    # --- eviction ------------------------------------------------------------------------------

    def _evict_while(self, condition: Callable[[tuple[int, int, tuple, int]], bool]) -> None:
        # The heap's smallest item is always the first entry of its stream, so counting per stream
        # and slicing once keeps eviction linear.
        counts: dict[tuple[tuple[str, str], ...], int] = {}
        while self.heap and condition(self.heap[0]):
            _, _, key, size = heapq.heappop(self.heap)
            self.bytes -= size
            counts[key] = counts.get(key, 0) + 1
        for key, count in counts.items():
            stream = self.streams[key]
            del stream.entries[:count]
            if not stream.entries:
                del self.streams[key]

    def _expire(self, now: int) -> None:
        cutoff = now - self.retention_ns
        self._evict_while(lambda item: item[0] < cutoff)

    def _evict_bytes(self) -> None:
        self._evict_while(lambda _item: self.bytes > self.max_bytes)

    # --- reads ---------------------------------------------------------------------------------

    def select(self, matchers: tuple[Matcher, ...], start_ns: int, end_ns: int) -> list[tuple[Labels, list[Entry]]]:
        """Copies of the entries with start <= ts < end of the streams the matchers select."""
        with self.lock:
            self._expire(self.clock())
            out = []
            for stream in self.streams.values():
                if not all(m.matches(stream.labels) for m in matchers):
                    continue
                lo = bisect.bisect_left(stream.entries, (start_ns, -1))
                hi = bisect.bisect_left(stream.entries, (end_ns, -1))
                if hi > lo:
                    out.append((stream.labels, stream.entries[lo:hi]))
            return out

    def stats(self) -> dict[str, int]:
        with self.lock:
            return {
                "streams": len(self.streams),
                "entries": len(self.heap),
                "bytes": self.bytes,
            }
