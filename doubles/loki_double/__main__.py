"""`python -m loki_double --host 127.0.0.1 --port PORT [...]`: runs the Loki API double until SIGTERM."""

from __future__ import annotations

import argparse
import signal
import sys
import threading

from .server import DEFAULT_MAX_BODY_BYTES, make_server
from .store import DEFAULT_MAX_BYTES, DEFAULT_MAX_LINE_BYTES, DEFAULT_RETENTION_SECONDS, Store


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="loki_double", description="Loki API double (not Loki)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=3100)
    parser.add_argument("--retention-seconds", type=float, default=DEFAULT_RETENTION_SECONDS)
    parser.add_argument("--max-bytes", type=int, default=DEFAULT_MAX_BYTES, help="cap on stored log bytes")
    parser.add_argument("--max-line-bytes", type=int, default=DEFAULT_MAX_LINE_BYTES)
    parser.add_argument("--max-body-bytes", type=int, default=DEFAULT_MAX_BODY_BYTES, help="push body cap")
    args = parser.parse_args(argv)
    store = Store(args.retention_seconds, args.max_bytes, args.max_line_bytes)
    server = make_server(args.host, args.port, store, args.max_body_bytes)

    def stop(_signum, _frame) -> None:
        # shutdown() waits for serve_forever(), which runs in this (the main) thread: call it from another.
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    host, port = server.server_address[:2]
    print(f"loki_double (a Loki API double, not Loki) listening on http://{host}:{port}", file=sys.stderr, flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()
    print("loki_double stopped", file=sys.stderr, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
