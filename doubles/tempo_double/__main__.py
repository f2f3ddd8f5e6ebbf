"""`python -m tempo_double --host 127.0.0.1 --port 3200`: run the Tempo API double until SIGTERM."""

import argparse
import logging
import signal
import sys
import threading

from .server import (
    DEFAULT_MAX_BODY_BYTES,
    DEFAULT_MAX_STORED_BYTES,
    DEFAULT_MAX_TRACES,
    DEFAULT_RETENTION_SECONDS,
    TempoDouble,
    serve,
)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tempo_double", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="listen address (default: %(default)s)")
    parser.add_argument("--port", type=int, default=3200, help="HTTP port for API, OTLP and /metrics (%(default)s)")
    parser.add_argument(
        "--max-traces", type=int, default=DEFAULT_MAX_TRACES, help="traces kept, oldest evicted (%(default)s)"
    )
    parser.add_argument(
        "--retention-seconds",
        type=float,
        default=DEFAULT_RETENTION_SECONDS,
        help="a trace is dropped this long after its last span arrived (%(default)s)",
    )
    parser.add_argument(
        "--max-body-bytes",
        type=int,
        default=DEFAULT_MAX_BODY_BYTES,
        help="largest OTLP request body, before and after gzip (%(default)s)",
    )
    parser.add_argument(
        "--max-stored-bytes",
        type=int,
        default=DEFAULT_MAX_STORED_BYTES,
        help="span bytes kept over all traces, oldest evicted (%(default)s)",
    )
    args = parser.parse_args(argv)
    for name in ("max_traces", "retention_seconds", "max_body_bytes", "max_stored_bytes"):
        if getattr(args, name) <= 0:
            parser.error(f"--{name.replace('_', '-')} must be positive")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    double = TempoDouble(
        max_traces=args.max_traces,
        retention_seconds=args.retention_seconds,
        max_body_bytes=args.max_body_bytes,
        max_stored_bytes=args.max_stored_bytes,
    )
    server = serve(double, args.host, args.port)
    # shutdown() waits for serve_forever() to return, so it cannot run on the serving thread.
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown, daemon=True).start())
    logging.getLogger("tempo_double").info(
        "Tempo API double listening on http://%s:%d (max traces %d, retention %.0fs)",
        args.host,
        server.server_address[1],
        args.max_traces,
        args.retention_seconds,
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    logging.getLogger("tempo_double").info("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
