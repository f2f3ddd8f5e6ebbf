"""The TraceQL subset the Tempo API double evaluates, and nothing more.

Accepted: one spanset filter `{ ... }` that is empty or holds conditions joined by `&&`, each
condition being `resource.service.name = "<string>"` or `status = error|ok|unset`. Every other
query is refused with Tempo's parse-error wording (`parse error at line 1, col N: syntax error:
unexpected X`), followed by a note naming the subset, so that a caller sees at once that the
double, not TraceQL, drew the line.
"""

import re
from dataclasses import dataclass

from opentelemetry.proto.trace.v1.trace_pb2 import Status

SUBSET = '{ }, resource.service.name = "...", status = error|ok|unset, joined by &&'

STATUS_NAMES = {
    "error": Status.STATUS_CODE_ERROR,
    "ok": Status.STATUS_CODE_OK,
    "unset": Status.STATUS_CODE_UNSET,
}

_TOKEN = re.compile(
    r"""\s*(?:
      (?P<string>"(?:[^"\\]|\\.)*")
    | (?P<op>&&|\|\||!=|=~|!~|>=|<=|[{}()=<>!|&])
    | (?P<word>[A-Za-z_.:][A-Za-z0-9_.:\-]*)
    | (?P<number>-?[0-9][0-9.a-z]*)
    | (?P<other>\S)
    )""",
    re.VERBOSE,
)
_ESCAPES = {'"': '"', "\\": "\\", "n": "\n", "t": "\t", "r": "\r"}


class TraceQLError(ValueError):
    pass


@dataclass(frozen=True)
class Condition:
    """One supported comparison: the field it reads and the value it requires."""

    field: str  # "resource.service.name" or "status"
    value: str | int


@dataclass(frozen=True)
class Token:
    kind: str  # string | op | word | number | other | end
    text: str
    col: int


def _tokens(query: str) -> list[Token]:
    tokens = []
    pos = 0
    while pos < len(query):
        m = _TOKEN.match(query, pos)
        if not m or m.lastgroup is None:
            break
        tokens.append(Token(m.lastgroup, m.group(m.lastgroup), m.start(m.lastgroup) + 1))
        pos = m.end()
    tokens.append(Token("end", "", len(query) + 1))
    return tokens


def _unexpected(token: Token) -> TraceQLError:
    names = {"end": "$end", "string": "STRING", "word": "IDENTIFIER", "number": "INTEGER"}
    what = names.get(token.kind, token.text)
    return TraceQLError(
        f"parse error at line 1, col {token.col}: syntax error: unexpected {what}"
        f" (the Tempo API double evaluates only {SUBSET})"
    )


def _unquote(literal: str, col: int) -> str:
    out = []
    i = 1
    while i < len(literal) - 1:
        ch = literal[i]
        if ch == "\\":
            escaped = _ESCAPES.get(literal[i + 1])
            if escaped is None:
                raise TraceQLError(f"parse error at line 1, col {col + i}: invalid char escape")
            out.append(escaped)
            i += 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def parse(query: str) -> list[Condition]:
    """The conditions of a supported query (empty for `{}`); TraceQLError for anything else."""
    tokens = _tokens(query)
    pos = 0

    def take(kind: str, text: str | None = None) -> Token:
        nonlocal pos
        token = tokens[pos]
        if token.kind != kind or (text is not None and token.text != text):
            raise _unexpected(token)
        pos += 1
        return token

    take("op", "{")
    conditions: list[Condition] = []
    if tokens[pos].text != "}":
        while True:
            field = take("word")
            if field.text not in ("resource.service.name", "status"):
                raise _unexpected(field)
            take("op", "=")
            if field.text == "status":
                value = take("word")
                if value.text not in STATUS_NAMES:
                    raise _unexpected(value)
                conditions.append(Condition("status", STATUS_NAMES[value.text]))
            else:
                literal = take("string")
                conditions.append(Condition("resource.service.name", _unquote(literal.text, literal.col)))
            if tokens[pos].text != "&&":
                break
            pos += 1
    take("op", "}")
    take("end")
    return conditions
