"""A logging handler that ships JSON lines to Loki's push API without ever blocking a request.

Records go into a bounded queue; a daemon thread sends them in batches (by size or age) to
`/loki/api/v1/push`, one stream per label set. When Loki is slow or down, lines are retried a
few times and then dropped, and the count of dropped lines is kept; the request path only ever
does a non-blocking `put_nowait`.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
import urllib.request


def build_push_body(entries: list[tuple[dict[str, str], int, str]]) -> dict:
    """Groups (labels, timestamp in ns, line) into Loki push streams, keeping the order of lines."""
    streams: dict[tuple[tuple[str, str], ...], list[list[str]]] = {}
    for labels, ts_ns, line in entries:
        key = tuple(sorted(labels.items()))
        streams.setdefault(key, []).append([str(ts_ns), line])
    return {"streams": [{"stream": dict(key), "values": values} for key, values in streams.items()]}


class LokiHandler(logging.Handler):
    def __init__(
        self,
        url: str,
        labels: dict[str, str],
        batch_size: int = 500,
        flush_interval: float = 1.0,
        max_queue: int = 20000,
        timeout: float = 5.0,
        retries: int = 3,
    ) -> None:
        super().__init__()
        self.url = url.rstrip("/") + "/loki/api/v1/push"
        self.labels = dict(labels)
        self.batch_size = batch_size
        self.flush_interval = flush_interval
        self.timeout = timeout
        self.retries = retries
        self.dropped = 0
        self.sent = 0
        self._queue: queue.Queue[tuple[dict[str, str], int, str] | None] = queue.Queue(maxsize=max_queue)
        self._thread = threading.Thread(target=self._run, name="loki-pusher", daemon=True)
        self._thread.start()

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = self.format(record)
            labels = {**self.labels, "level": record.levelname.lower()}
            self._queue.put_nowait((labels, int(record.created * 1e9), line))
        except queue.Full:
            self.dropped += 1
        except Exception:  # noqa: BLE001 - a log handler must never raise into the request
            self.handleError(record)

    def _run(self) -> None:
        batch: list[tuple[dict[str, str], int, str]] = []
        deadline = time.monotonic() + self.flush_interval
        stopping = False
        while not stopping:
            try:
                item = self._queue.get(timeout=max(0.0, deadline - time.monotonic()))
                if item is None:
                    stopping = True
                else:
                    batch.append(item)
            except queue.Empty:
                pass
            if batch and (stopping or len(batch) >= self.batch_size or time.monotonic() >= deadline):
                self._send(batch)
                batch = []
            if time.monotonic() >= deadline:
                deadline = time.monotonic() + self.flush_interval

    def _send(self, batch: list[tuple[dict[str, str], int, str]]) -> None:
        data = json.dumps(build_push_body(batch)).encode()
        for attempt in range(self.retries):
            try:
                req = urllib.request.Request(
                    self.url, data=data, headers={"Content-Type": "application/json"}, method="POST"
                )
                with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                    resp.read()
                self.sent += len(batch)
                return
            except Exception:  # noqa: BLE001 - Loki down or slow: retry, then drop
                time.sleep(min(2.0, 0.2 * 2**attempt))
        self.dropped += len(batch)

    def close(self) -> None:
        try:
            self._queue.put(None, timeout=1.0)
            self._thread.join(timeout=self.timeout + 1.0)
        except queue.Full:
            pass
        super().close()
