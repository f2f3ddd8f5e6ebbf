"""Tempo API double: an honest stand-in for the parts of Grafana Tempo this project uses.

Tempo is AGPL-licensed, so the native test stack cannot run it; this double receives OTLP/HTTP
traces, serves the trace-by-id, search, tags, echo, ready and buildinfo endpoints of Tempo's HTTP
API in Tempo's response shapes, and exposes Tempo metrics-generator series on /metrics. Anything
else is refused with Tempo's status and error text. Users run the real Tempo (docker-compose.yaml).
See README.md next to this file.
"""

from .server import TempoDouble, serve

__all__ = ["TempoDouble", "serve"]
