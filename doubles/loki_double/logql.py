"""The subset of LogQL the Loki API double evaluates: a lexer, a parser to a small AST, and the
per-line pipeline. Evaluation over stored entries lives in query.py.

Supported (README.md has the list): stream selectors (`=`, `!=`, `=~`, `!~`), chained line filters
(`|=`, `!=`, `|~`, `!~`), `| json`, `| logfmt`, single label filters (`| l="v"`, `!=`, `=~`, `!~`),
`| drop name, ...`,
`count_over_time`, `rate`, and `sum` with optional `by`/`without`. Valid LogQL outside that set
gets a parse error that says the double does not support it; invalid LogQL gets Loki's
`parse error at line L, col C: syntax error: unexpected TOKEN` shape.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from .re2 import RegexError, compile_re2

MAX_QUERY_CHARS = 16384

# Token names as Loki's grammar calls them, for `unexpected ...` messages.
_TOKEN_NAMES = {
    "{": "OPEN_BRACE",
    "}": "CLOSE_BRACE",
    "(": "OPEN_PARENTHESIS",
    ")": "CLOSE_PARENTHESIS",
    ",": "COMMA",
    "=": "EQ",
    "!=": "NEQ",
    "=~": "RE",
    "!~": "NRE",
    "|=": "PIPE_EXACT",
    "|~": "PIPE_MATCH",
    "|": "PIPE",
    ">": "GT",
    ">=": "GTE",
    "<": "LT",
    "<=": "LTE",
    "==": "CMP_EQ",
    ".": "DOT",
}
_OPERATORS = sorted(_TOKEN_NAMES, key=len, reverse=True)
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]+)?")
_DURATION_PART = re.compile(r"([0-9]+(?:\.[0-9]+)?)(ns|us|µs|ms|s|m|h|d|w|y)")
_DURATION_NS = {
    "ns": 1,
    "us": 1_000,
    "µs": 1_000,
    "ms": 1_000_000,
    "s": 1_000_000_000,
    "m": 60_000_000_000,
    "h": 3_600_000_000_000,
    "d": 86_400_000_000_000,
    "w": 7 * 86_400_000_000_000,
    "y": 365 * 86_400_000_000_000,
}
_GO_ESCAPES = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v", "\\": "\\", '"': '"'}

SUPPORTED_RANGE_FUNCTIONS = ("count_over_time", "rate")
# Valid LogQL the double does not evaluate: named so that the error says so instead of "syntax".
_UNSUPPORTED_FUNCTIONS = {
    "bytes_over_time",
    "bytes_rate",
    "avg_over_time",
    "sum_over_time",
    "min_over_time",
    "max_over_time",
    "stdvar_over_time",
    "stddev_over_time",
    "quantile_over_time",
    "first_over_time",
    "last_over_time",
    "absent_over_time",
    "rate_counter",
    "avg",
    "count",
    "max",
    "min",
    "stddev",
    "stdvar",
    "topk",
    "bottomk",
    "sort",
    "sort_desc",
    "label_replace",
    "vector",
    "approx_topk",
}
_UNSUPPORTED_STAGES = {
    "regexp",
    "pattern",
    "unpack",
    "line_format",
    "label_format",
    "unwrap",
    "keep",
    "decolorize",
}


class ParseError(ValueError):
    """Loki's parse error: `parse error at line L, col C: message` (or `parse error : message`)."""

    def __init__(self, message: str, line: int = 0, col: int = 0) -> None:
        self.message, self.line, self.col = message, line, col
        where = f"at line {line}, col {col}" if line else ""
        super().__init__(f"parse error {where}: {message}")


@dataclass(frozen=True)
class Token:
    kind: str  # an operator from _TOKEN_NAMES, IDENTIFIER, STRING, NUMBER, RANGE or $end
    text: str
    line: int
    col: int
    value: object = None  # the unquoted string, or the range in nanoseconds

    def describe(self) -> str:
        return _TOKEN_NAMES.get(self.kind, self.kind)


def parse_duration_ns(text: str) -> int | None:
    """Nanoseconds of a Go/Prometheus duration (`250ms`, `1h30m`, `5m`), or None if it is not one."""
    pos, total = 0, 0.0
    if not text:
        return None
    while pos < len(text):
        m = _DURATION_PART.match(text, pos)
        if not m:
            return None
        total += float(m.group(1)) * _DURATION_NS[m.group(2)]
        pos = m.end()
    return int(total)


def _unquote_go(body: str, line: int, col: int) -> str:
    """The value of a Go double-quoted string literal's body (without the quotes)."""
    out, i = [], 0
    while i < len(body):
        c = body[i]
        if c != "\\":
            if c == "\n":
                raise ParseError("literal not terminated", line, col)
            out.append(c)
            i += 1
            continue
        nxt = body[i + 1 : i + 2]
        if nxt in _GO_ESCAPES:
            out.append(_GO_ESCAPES[nxt])
            i += 2
        elif nxt in ("x", "u", "U"):
            width = {"x": 2, "u": 4, "U": 8}[nxt]
            digits = body[i + 2 : i + 2 + width]
            if not re.fullmatch(f"[0-9A-Fa-f]{{{width}}}", digits):
                raise ParseError("invalid char escape", line, col)
            code = int(digits, 16)
            if nxt != "x" and (code > 0x10FFFF or 0xD800 <= code <= 0xDFFF):
                raise ParseError("invalid char escape", line, col)
            # Go's \xHH is one byte; bytes of 0x80 and above make invalid UTF-8, refused here.
            if nxt == "x" and code >= 0x80:
                raise ParseError("invalid char escape (non-ASCII \\x byte, refused by the Loki API double)", line, col)
            out.append(chr(code))
            i += 2 + width
        elif re.fullmatch("[0-7]{3}", body[i + 1 : i + 4]):
            code = int(body[i + 1 : i + 4], 8)
            if code >= 0x80:
                raise ParseError(
                    "invalid char escape (non-ASCII octal byte, refused by the Loki API double)", line, col
                )
            out.append(chr(code))
            i += 4
        else:
            raise ParseError("invalid char escape", line, col)
    return "".join(out)


def tokenize(query: str) -> list[Token]:
    tokens: list[Token] = []
    i, line, line_start = 0, 1, 0
    while i < len(query):
        c = query[i]
        col = i - line_start + 1
        if c == "\n":
            i += 1
            line, line_start = line + 1, i
            continue
        if c in " \t\r":
            i += 1
            continue
        if c == "#":  # a comment runs to the end of the line
            while i < len(query) and query[i] != "\n":
                i += 1
            continue
        if c == '"':
            j = i + 1
            while j < len(query) and query[j] != '"':
                j += 2 if query[j] == "\\" else 1
            if j >= len(query):
                raise ParseError("literal not terminated", line, col)
            tokens.append(Token("STRING", query[i : j + 1], line, col, _unquote_go(query[i + 1 : j], line, col)))
            i = j + 1
            continue
        if c == "`":
            j = query.find("`", i + 1)
            if j < 0:
                raise ParseError("literal not terminated", line, col)
            raw = query[i + 1 : j]
            tokens.append(Token("STRING", query[i : j + 1], line, col, raw))
            newlines = raw.count("\n")
            if newlines:
                line, line_start = line + newlines, i + 1 + raw.rfind("\n") + 1
            i = j + 1
            continue
        if c == "[":
            j = query.find("]", i)
            inner = query[i + 1 : j].strip() if j > 0 else ""
            ns = parse_duration_ns(inner)
            if j < 0 or ns is None:
                raise ParseError(
                    f"syntax error: unexpected {'$end' if j < 0 else repr(inner)}, expecting RANGE", line, col
                )
            tokens.append(Token("RANGE", query[i : j + 1], line, col, ns))
            i = j + 1
            continue
        m = _IDENT.match(query, i)
        if m:
            tokens.append(Token("IDENTIFIER", m.group(0), line, col))
            i = m.end()
            continue
        m = _NUMBER.match(query, i)
        if m:
            tokens.append(Token("NUMBER", m.group(0), line, col))
            i = m.end()
            continue
        for op in _OPERATORS:
            if query.startswith(op, i):
                tokens.append(Token(op, op, line, col))
                i += len(op)
                break
        else:
            raise ParseError(f"syntax error: unexpected character {c!r}", line, col)
    tokens.append(Token("$end", "", line, len(query) - line_start + 1))
    return tokens


# --- AST ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Matcher:
    """A label matcher; regexes are anchored at both ends as in Loki and Prometheus."""

    name: str
    op: str  # = != =~ !~
    value: str
    regex: re.Pattern[str] | None = None

    def matches(self, labels: dict[str, str]) -> bool:
        v = labels.get(self.name, "")
        if self.op == "=":
            return v == self.value
        if self.op == "!=":
            return v != self.value
        hit = self.regex.fullmatch(v) is not None
        return hit if self.op == "=~" else not hit


@dataclass(frozen=True)
class LineFilter:
    op: str  # |= != |~ !~
    value: str
    regex: re.Pattern[str] | None = None

    def keeps(self, line: str) -> bool:
        if self.op == "|=":
            return self.value in line
        if self.op == "!=":
            return self.value not in line
        hit = self.regex.search(line) is not None
        return hit if self.op == "|~" else not hit


@dataclass(frozen=True)
class Parser:
    kind: str  # json | logfmt


@dataclass(frozen=True)
class LabelFilter:
    matcher: Matcher


@dataclass(frozen=True)
class DropLabels:
    """`| drop a, b`: as Grafana's log volume queries use it (`| drop __error__`)."""

    names: tuple[str, ...]


Stage = LineFilter | Parser | LabelFilter | DropLabels


@dataclass(frozen=True)
class LogQuery:
    matchers: tuple[Matcher, ...]
    stages: tuple[Stage, ...] = ()


@dataclass(frozen=True)
class RangeAggregation:
    function: str  # count_over_time | rate
    query: LogQuery
    range_ns: int


@dataclass(frozen=True)
class VectorAggregation:
    operation: str  # sum
    inner: RangeAggregation | VectorAggregation
    grouping: str | None = None  # by | without | None
    labels: tuple[str, ...] = field(default_factory=tuple)


Expr = LogQuery | RangeAggregation | VectorAggregation


# --- Parser ------------------------------------------------------------------------------------


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.pos = 0

    def peek(self, offset: int = 0) -> Token:
        return self.tokens[min(self.pos + offset, len(self.tokens) - 1)]

    def take(self) -> Token:
        tok = self.peek()
        self.pos += 1
        return tok

    @staticmethod
    def unexpected(tok: Token, expecting: str | None = None) -> ParseError:
        msg = f"syntax error: unexpected {tok.describe()}"
        if expecting:
            msg += f", expecting {expecting}"
        return ParseError(msg, tok.line, tok.col)

    @staticmethod
    def unsupported(tok: Token, what: str) -> ParseError:
        return ParseError(f"{what} is valid LogQL but not supported by the Loki API double", tok.line, tok.col)

    def expect(self, kind: str) -> Token:
        tok = self.take()
        if tok.kind != kind:
            raise self.unexpected(tok, _TOKEN_NAMES.get(kind, kind))
        return tok

    def parse(self) -> Expr:
        expr = self.expr()
        tok = self.peek()
        if tok.kind != "$end":
            raise self.unexpected(tok)
        return expr

    def expr(self) -> Expr:
        tok = self.peek()
        if tok.kind == "{":
            return self.log_query()
        if tok.kind == "IDENTIFIER":
            name = tok.text
            if name in SUPPORTED_RANGE_FUNCTIONS:
                return self.range_aggregation()
            if name == "sum":
                return self.vector_aggregation()
            if name in _UNSUPPORTED_FUNCTIONS:
                raise self.unsupported(tok, f"{name}()")
        if tok.kind == "(":
            raise self.unsupported(tok, "a parenthesised expression")
        raise self.unexpected(tok)

    def range_aggregation(self) -> RangeAggregation:
        name = self.take().text
        self.expect("(")
        if self.peek().kind != "{":
            raise self.unexpected(self.peek(), "OPEN_BRACE")
        query = self.log_query()
        tok = self.take()
        if tok.kind != "RANGE":
            raise self.unexpected(tok, "RANGE")
        if tok.value <= 0:
            raise ParseError(
                f"syntax error: unexpected RANGE {tok.text}: the range must be positive", tok.line, tok.col
            )
        if self.peek().kind == "IDENTIFIER" and self.peek().text == "offset":
            raise self.unsupported(self.peek(), "offset")
        self.expect(")")
        return RangeAggregation(name, query, tok.value)

    def grouping(self) -> tuple[str | None, tuple[str, ...]]:
        tok = self.peek()
        if not (tok.kind == "IDENTIFIER" and tok.text in ("by", "without")):
            return None, ()
        self.take()
        self.expect("(")
        labels: list[str] = []
        while self.peek().kind != ")":
            labels.append(self.expect("IDENTIFIER").text)
            if self.peek().kind == ",":
                self.take()
            elif self.peek().kind != ")":
                raise self.unexpected(self.peek(), "CLOSE_PARENTHESIS")
        self.take()
        return tok.text, tuple(labels)

    def vector_aggregation(self) -> VectorAggregation:
        op = self.take().text
        grouping, labels = self.grouping()
        self.expect("(")
        tok = self.peek()
        if tok.kind == "{":
            raise ParseError("syntax error: unexpected OPEN_BRACE: sum needs a range aggregation", tok.line, tok.col)
        if tok.kind == "NUMBER":
            raise self.unsupported(tok, "a parameter of sum")
        inner = self.expr()  # a range or vector aggregation: `{` was refused above
        self.expect(")")
        if grouping is None:
            grouping, labels = self.grouping()
        elif self.peek().kind == "IDENTIFIER" and self.peek().text in ("by", "without"):
            raise self.unexpected(self.peek())
        return VectorAggregation(op, inner, grouping, labels)

    @staticmethod
    def regex(value_tok: Token) -> re.Pattern[str]:
        """The compiled RE2 pattern of a string token; errors point at the string."""
        try:
            return compile_re2(value_tok.value)
        except RegexError as e:
            raise ParseError(str(e), value_tok.line, value_tok.col) from e

    def matcher(self, name_tok: Token, op_tok: Token, value_tok: Token) -> Matcher:
        regex = self.regex(value_tok) if op_tok.kind in ("=~", "!~") else None
        return Matcher(name_tok.text, op_tok.kind, value_tok.value, regex)

    def log_query(self) -> LogQuery:
        self.expect("{")
        matchers: list[Matcher] = []
        while True:
            name = self.take()
            if name.kind == "}" and not matchers:
                raise ParseError("syntax error: unexpected CLOSE_BRACE, expecting IDENTIFIER", name.line, name.col)
            if name.kind != "IDENTIFIER":
                raise self.unexpected(name, "IDENTIFIER")
            op = self.take()
            if op.kind not in ("=", "!=", "=~", "!~"):
                raise self.unexpected(op)
            value = self.take()
            if value.kind != "STRING":
                raise self.unexpected(value, "STRING")
            matchers.append(self.matcher(name, op, value))
            sep = self.take()
            if sep.kind == "}":
                break
            if sep.kind != ",":
                raise self.unexpected(sep, "CLOSE_BRACE or COMMA")
        if not any(m.op in ("=", "=~") and not m.matches({}) for m in matchers):
            raise ParseError(
                "queries require at least one regexp or equality matcher that does not have an empty-compatible "
                'value. For instance, app=~".*" does not meet this requirement, but app=~".+" will'
            )
        return LogQuery(tuple(matchers), tuple(self.stages()))

    def stages(self) -> list[Stage]:
        stages: list[Stage] = []
        while True:
            tok = self.peek()
            if tok.kind in ("|=", "!=", "|~", "!~"):
                self.take()
                value = self.take()
                if value.kind == "IDENTIFIER" and value.text in ("ip",):
                    raise self.unsupported(value, "ip() line filters")
                if value.kind != "STRING":
                    raise self.unexpected(value, "STRING")
                regex = self.regex(value) if tok.kind in ("|~", "!~") else None
                if self.peek().kind == "IDENTIFIER" and self.peek().text == "or":
                    raise self.unsupported(self.peek(), "`or` in line filters")
                stages.append(LineFilter(tok.kind, value.value, regex))
            elif tok.kind == "|":
                self.take()
                stages.append(self.pipe_stage())
            else:
                return stages

    def drop(self) -> DropLabels:
        names = [self.expect("IDENTIFIER").text]
        while self.peek().kind == ",":
            self.take()
            names.append(self.expect("IDENTIFIER").text)
        if self.peek().kind in ("=", "!=", "=~", "!~"):
            raise self.unsupported(self.peek(), "| drop with label matchers")
        return DropLabels(tuple(names))

    def pipe_stage(self) -> Stage:
        tok = self.take()
        if tok.kind != "IDENTIFIER":
            raise self.unexpected(tok)
        nxt = self.peek()
        if tok.text == "drop" and nxt.kind == "IDENTIFIER":
            return self.drop()
        if tok.text in ("json", "logfmt") and nxt.kind not in ("=", "!=", "=~", "!~", ">", ">=", "<", "<=", "=="):
            if nxt.kind in ("IDENTIFIER", "STRING") and nxt.text not in ("or", "and"):
                raise self.unsupported(nxt, f"parameters of | {tok.text}")
            return Parser(tok.text)
        if tok.text in _UNSUPPORTED_STAGES:
            raise self.unsupported(tok, f"| {tok.text}")
        op = self.take()
        if op.kind in (">", ">=", "<", "<=", "=="):
            raise self.unsupported(op, "numeric, duration and bytes label filters")
        if op.kind not in ("=", "!=", "=~", "!~"):
            raise self.unexpected(op)
        value = self.take()
        if value.kind != "STRING":
            if value.kind in ("NUMBER", "IDENTIFIER"):
                raise self.unsupported(value, "numeric, duration and bytes label filters")
            raise self.unexpected(value, "STRING")
        following = self.peek()
        if following.kind == "," or (following.kind == "IDENTIFIER" and following.text in ("and", "or")):
            raise self.unsupported(following, 'combined label filters (`,`, `and`, `or`): chain `| a="x" | b="y"`')
        return LabelFilter(self.matcher(tok, op, value))


def parse(query: str) -> Expr:
    if len(query) > MAX_QUERY_CHARS:
        raise ParseError(
            f"query of {len(query)} characters is longer than the Loki API double's limit of {MAX_QUERY_CHARS}"
        )
    if not query.strip():
        raise ParseError("syntax error: unexpected $end", 1, 1)
    return _Parser(tokenize(query)).parse()


def parse_selector(query: str) -> LogQuery:
    """A stream selector alone, for the series, labels and label values APIs."""
    expr = parse(query)
    if not isinstance(expr, LogQuery) or expr.stages:
        raise ParseError("only label matchers are supported")
    return expr


# --- Per-line pipeline -------------------------------------------------------------------------

ERROR_LABEL = "__error__"
ERROR_DETAILS_LABEL = "__error_details__"
_SANITIZE = re.compile(r"[^A-Za-z0-9_]")


def _label_key(key: str) -> str:
    key = _SANITIZE.sub("_", key)
    return "_" + key if key[:1].isdigit() else key


def _add_parsed(labels: dict[str, str], stream: dict[str, str], key: str, value: str) -> None:
    key = _label_key(key)
    if not key:
        return
    if key in stream:
        key += "_extracted"  # as Loki: a parsed field never overwrites a stream label
    labels.setdefault(key, value)


def _flatten_json(labels: dict[str, str], stream: dict[str, str], prefix: str, doc: dict) -> None:
    for key, value in doc.items():
        name = f"{prefix}_{key}" if prefix else key
        if isinstance(value, dict):
            _flatten_json(labels, stream, name, value)
        elif isinstance(value, bool):
            _add_parsed(labels, stream, name, "true" if value else "false")
        elif isinstance(value, str):
            _add_parsed(labels, stream, name, value)
        # Arrays and nulls are skipped, as Loki's json parser does without parameters.


def _parse_json(line: str, labels: dict[str, str], stream: dict[str, str]) -> None:
    try:
        # Numbers keep their text (Loki copies the number's bytes), hence parse_* = str.
        doc = json.loads(line, parse_int=str, parse_float=str, parse_constant=str)
    except ValueError as e:
        labels[ERROR_LABEL] = "JSONParserErr"
        labels[ERROR_DETAILS_LABEL] = str(e)
        return
    if not isinstance(doc, dict):
        labels[ERROR_LABEL] = "JSONParserErr"
        labels[ERROR_DETAILS_LABEL] = "Value looks like object, but can't find closing '}' symbol"
        return
    _flatten_json(labels, stream, "", doc)


_LOGFMT_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f"}


def _parse_logfmt(line: str, labels: dict[str, str], stream: dict[str, str]) -> None:
    i, n = 0, len(line)
    while i < n:
        while i < n and line[i] <= " ":
            i += 1
        if i >= n:
            break
        start = i
        while i < n and line[i] > " " and line[i] not in '="':
            i += 1
        key = line[start:i]
        if not key:
            labels[ERROR_LABEL] = "LogfmtParserErr"
            labels[ERROR_DETAILS_LABEL] = f"logfmt syntax error at pos {i + 1} : unexpected '{line[i]}'"
            return
        value = ""
        if i < n and line[i] == "=":
            i += 1
            if i < n and line[i] == '"':
                i += 1
                out = []
                while i < n and line[i] != '"':
                    if line[i] == "\\" and i + 1 < n:
                        out.append(_LOGFMT_ESCAPES.get(line[i + 1], line[i + 1]))
                        i += 2
                    else:
                        out.append(line[i])
                        i += 1
                if i >= n:
                    labels[ERROR_LABEL] = "LogfmtParserErr"
                    labels[ERROR_DETAILS_LABEL] = f"logfmt syntax error at pos {i + 1} : unterminated quoted value"
                    return
                i += 1
                value = "".join(out)
            else:
                vstart = i
                while i < n and line[i] > " ":
                    i += 1
                value = line[vstart:i]
        _add_parsed(labels, stream, key, value)


def run_pipeline(
    stages: tuple[Stage, ...],
    stream: dict[str, str],
    metadata: dict[str, str] | None,
    line: str,
) -> dict[str, str] | None:
    """The labels of the entry after the pipeline, or None when a stage drops it."""
    labels = dict(stream)
    if metadata:
        for key, value in metadata.items():
            labels.setdefault(key, value)
    for stage in stages:
        if isinstance(stage, LineFilter):
            if not stage.keeps(line):
                return None
        elif isinstance(stage, Parser):
            if ERROR_LABEL in labels:
                continue  # Loki skips parsers once a line carries an error
            (_parse_json if stage.kind == "json" else _parse_logfmt)(line, labels, stream)
        elif isinstance(stage, DropLabels):
            for name in stage.names:
                labels.pop(name, None)
        elif not stage.matcher.matches(labels):
            return None
    return {k: v for k, v in labels.items() if v != ""}


def format_labels(labels: dict[str, str]) -> str:
    """Prometheus' label-set text: `{a="x", b="y"}`, sorted, values Go-quoted."""
    return "{" + ", ".join(f"{k}={json.dumps(v, ensure_ascii=False)}" for k, v in sorted(labels.items())) + "}"
