"""OTLP/HTTP trace requests in (protobuf or JSON, optionally gzip) and the receiver's answers out.

Follows the OTLP/HTTP specification as an OpenTelemetry Collector receiver applies it: the body is
parsed completely before anything is stored, a bad body is a 400 carrying a `google.rpc.Status`
in the request's encoding, an unknown content type is a 415.
"""

import base64
import binascii
import json
import zlib
from dataclasses import dataclass

from google.protobuf import json_format
from google.protobuf.message import DecodeError
from google.rpc import code_pb2, status_pb2
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)

PROTOBUF = "application/x-protobuf"
JSON = "application/json"

# OTLP/JSON writes these ids as hex, where protobuf's canonical JSON mapping expects base64.
_HEX_ID_FIELDS = ("traceId", "spanId", "parentSpanId")


class OtlpError(Exception):
    """A request the receiver refuses: HTTP status plus a message for the `google.rpc.Status` body."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Reply:
    status: int
    content_type: str
    body: bytes


def media_type(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def decompress(body: bytes, content_encoding: str | None, max_bytes: int) -> bytes:
    """The request body without its Content-Encoding, refusing output past `max_bytes` (no gzip bombs)."""
    encoding = (content_encoding or "").strip().lower()
    if encoding in ("", "identity"):
        return body
    if encoding != "gzip":
        raise OtlpError(400, f"unsupported Content-Encoding: {encoding}")
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(body, max_bytes + 1)
        if len(out) > max_bytes or inflater.unconsumed_tail:
            raise OtlpError(413, f"decompressed request body exceeds {max_bytes} bytes")
        if not inflater.eof:
            raise OtlpError(400, "gzip: unexpected EOF")
    except zlib.error as e:
        raise OtlpError(400, f"gzip: {e}") from e
    return out


def _hex_ids_to_base64(node: object) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            if key in _HEX_ID_FIELDS and isinstance(value, str):
                try:
                    node[key] = base64.b64encode(bytes.fromhex(value)).decode()
                except ValueError as e:
                    raise OtlpError(400, f"invalid {key} {value[:40]!r}: not hex") from e
            else:
                _hex_ids_to_base64(value)
    elif isinstance(node, list):
        for item in node:
            _hex_ids_to_base64(item)


def parse_request(body: bytes, content_type: str) -> ExportTraceServiceRequest:
    """The whole export request, or OtlpError: nothing is returned half-parsed."""
    request = ExportTraceServiceRequest()
    if content_type == PROTOBUF:
        try:
            request.ParseFromString(body)
        except DecodeError as e:
            raise OtlpError(400, f"proto: cannot parse invalid wire-format data: {e}") from e
    elif content_type == JSON:
        try:
            document = json.loads(body)
        except (UnicodeDecodeError, ValueError, RecursionError) as e:
            raise OtlpError(400, f"json: {e}") from e
        if not isinstance(document, dict):
            raise OtlpError(400, "json: the request must be an object")
        try:
            _hex_ids_to_base64(document)
            # Receivers ignore fields they do not know (OTLP/JSON forward compatibility).
            json_format.ParseDict(document, request, ignore_unknown_fields=True)
        except (json_format.ParseError, binascii.Error, ValueError, TypeError, RecursionError) as e:
            raise OtlpError(400, f"json: {e}") from e
    else:
        raise OtlpError(415, f"unsupported media type, supported: [{JSON}, {PROTOBUF}]")
    validate_ids(request)
    return request


def validate_ids(request: ExportTraceServiceRequest) -> None:
    """Spans without a 16-byte trace id or an 8-byte span id cannot be stored or looked up."""
    for resource_spans in request.resource_spans:
        for scope_spans in resource_spans.scope_spans:
            for span in scope_spans.spans:
                if len(span.trace_id) != 16 or not any(span.trace_id):
                    raise OtlpError(400, f"span {span.name!r}: trace id must be 16 bytes and not all zero")
                if len(span.span_id) != 8 or not any(span.span_id):
                    raise OtlpError(400, f"span {span.name!r}: span id must be 8 bytes and not all zero")
                if span.parent_span_id and len(span.parent_span_id) != 8:
                    raise OtlpError(400, f"span {span.name!r}: parent span id must be 8 bytes")


def success(content_type: str) -> Reply:
    response = ExportTraceServiceResponse()
    if content_type == JSON:
        return Reply(200, JSON, json_format.MessageToJson(response, indent=None).encode())
    return Reply(200, PROTOBUF, response.SerializeToString())


def failure(error: OtlpError, content_type: str) -> Reply:
    code = code_pb2.INVALID_ARGUMENT if error.status < 500 else code_pb2.UNAVAILABLE
    status = status_pb2.Status(code=code, message=error.message)
    if content_type == JSON:
        return Reply(error.status, JSON, json_format.MessageToJson(status, indent=None).encode())
    return Reply(error.status, PROTOBUF, status.SerializeToString())
