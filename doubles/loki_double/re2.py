"""RE2 (Go regexp) patterns translated to Python `re`, or refused where the two differ.

Loki compiles LogQL regular expressions with Go's RE2 engine. Python's `re` reads most of the same
syntax the same way; the differences handled here are listed in README.md ("RE2 differences").
Anything RE2 rejects is rejected with Go's error text; anything RE2 accepts that this translator
cannot render faithfully is rejected with a message that names the double, never guessed.
"""

from __future__ import annotations

import re

MAX_PATTERN_CHARS = 4096
MAX_REPEAT = 1000  # RE2's limit on {n,m} counts

# RE2's Perl classes are ASCII-only; Python's are Unicode in str patterns.
_PERL_CLASSES = {"d": "0-9", "w": "0-9A-Za-z_", "s": "\\t\\n\\f\\r "}
_POSIX_CLASSES = {
    "alnum": "0-9A-Za-z",
    "alpha": "A-Za-z",
    "ascii": "\\x00-\\x7f",
    "blank": "\\t ",
    "cntrl": "\\x00-\\x1f\\x7f",
    "digit": "0-9",
    "graph": "!-~",
    "lower": "a-z",
    "print": " -~",
    "punct": "!-/:-@\\[-`{-~",
    "space": "\\t\\n\\v\\f\\r ",
    "upper": "A-Z",
    "word": "0-9A-Za-z_",
    "xdigit": "0-9A-Fa-f",
}
_SIMPLE_ESCAPES = set("afnrtv")
_REPEAT = re.compile(r"\{(\d+)(,(\d*))?\}")
_FLAGS = re.compile(r"\(\?([imsU]*)(?:-([imsU]*))?([:)])")


class RegexError(ValueError):
    """A pattern RE2 rejects (Go's message) or that the double refuses to translate."""


def _go_error(code: str, expr: str) -> RegexError:
    return RegexError(f"error parsing regexp: {code}: `{expr}`")


def _unsupported(what: str) -> RegexError:
    return RegexError(f"error parsing regexp: {what} is not supported by the Loki API double")


def _char(code: int) -> str:
    if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        raise _go_error("invalid escape sequence", f"\\x{{{code:x}}}")
    return f"\\U{code:08x}"


class _Translator:
    def __init__(self, pattern: str) -> None:
        self.p = pattern
        self.i = 0
        self.out: list[str] = []
        # One entry per open group: (flag text reopened after `|`, or None; multiline active).
        self.groups: list[list] = [[None, False]]
        # Whether each open group holds an unbounded quantifier (for the backtracking guard).
        self.unbounded: list[bool] = [False]
        self.group_starts: list[int] = []

    def fail_if_nested(self, quantifier: str, start: int) -> None:
        nxt = self.p[self.i : self.i + 1]
        if nxt in ("*", "+") or (nxt == "{" and _REPEAT.match(self.p, self.i)):
            raise _go_error("invalid nested repetition operator", self.p[start : self.i + 1])
        if nxt == "?" and quantifier.endswith("?") and len(quantifier) > 1:
            raise _go_error("invalid nested repetition operator", self.p[start : self.i + 1])

    def translate(self) -> str:
        p = self.p
        # What a quantifier would apply to: None (nothing: an error), "atom", or "group" (whose
        # own unbounded repetition `last_group_unbounded` says whether repeating it is refused).
        last: str | None = None
        last_group_unbounded = False
        while self.i < len(p):
            c = p[self.i]
            if c == "\\":
                self.out.append(self.escape(in_class=False))
                last = "atom"
            elif c == "[":
                self.out.append(self.char_class())
                last = "atom"
            elif c == "(":
                self.open_group()
                last = None
            elif c == ")":
                if len(self.groups) == 1:
                    raise _go_error("unexpected )", p)
                last_group_unbounded = self.unbounded.pop()
                self.close_flag_scope()
                self.groups.pop()
                self.out.append(")")
                self.i += 1
                self.unbounded[-1] = self.unbounded[-1] or last_group_unbounded
                last = "group"
                continue
            elif c == "|":
                scope = self.groups[-1][0]
                if scope is not None:
                    self.out.append(")|" + scope)
                else:
                    self.out.append("|")
                self.i += 1
                last = None
            elif c in "*+?{":
                start = self.i
                if c == "{":
                    m = _REPEAT.match(p, self.i)
                    if not m:
                        self.out.append("\\{")  # Go reads `{,n}` and other non-counts literally
                        self.i += 1
                        last = "atom"
                        continue
                    low, high = int(m.group(1)), m.group(3)
                    if low > MAX_REPEAT or (high and int(high) > MAX_REPEAT) or (high and int(high) < low):
                        raise _go_error("invalid repeat count", m.group(0))
                    quantifier = m.group(0)
                    unbounded = m.group(2) is not None and not high
                    self.i = m.end()
                else:
                    quantifier = c
                    unbounded = c != "?"
                    self.i += 1
                if last is None:
                    raise _go_error("missing argument to repetition operator", p[start : self.i])
                if p[self.i : self.i + 1] == "?":
                    quantifier += "?"
                    self.i += 1
                self.fail_if_nested(quantifier, start)
                if last == "group" and last_group_unbounded and (unbounded or quantifier[0] == "{"):
                    # RE2 runs this in linear time; Python's backtracking can take exponential time.
                    raise RegexError(
                        "error parsing regexp: a repeated group that itself repeats without bound "
                        f"(`{p[max(0, start - 20) : self.i]}`) is refused by the Loki API double: "
                        "Python's backtracking engine could take exponential time on it"
                    )
                self.unbounded[-1] = self.unbounded[-1] or unbounded
                self.out.append(quantifier)
                last = "atom"  # a second quantifier was refused above
                continue
            elif c == "$":
                self.out.append("$" if self.groups[-1][1] else "(?!\\n)$")
                self.i += 1
                last = "atom"
            else:
                self.out.append(c)
                self.i += 1
                last = "atom"
        if len(self.groups) > 1:
            raise _go_error("missing closing )", p)
        self.close_flag_scope()
        return "".join(self.out)

    def close_flag_scope(self) -> None:
        if self.groups[-1][0] is not None:
            self.out.append(")")
            self.groups[-1][0] = None

    def open_group(self) -> None:
        p = self.p
        multiline = self.groups[-1][1]
        if p.startswith("(?", self.i):
            rest = p[self.i + 2 : self.i + 4]
            if rest.startswith(("=", "!", "<=", "<!")):
                raise _go_error("invalid or unsupported Perl syntax", p[self.i : self.i + 3 + rest.startswith("<")])
            if rest.startswith("#"):
                raise _go_error("invalid or unsupported Perl syntax", "(?#")
            if rest.startswith("P="):
                raise _go_error("invalid or unsupported Perl syntax", "(?P=")
            named = re.compile(r"\(\?P?<([A-Za-z0-9_]+)>").match(p, self.i)
            if named:
                self.out.append(f"(?P<{named.group(1)}>")
                self.i = named.end()
            else:
                m = _FLAGS.match(p, self.i)
                if not m or (m.group(3) == ")" and not (m.group(1) or m.group(2))):
                    raise _go_error("invalid or unsupported Perl syntax", p[self.i : self.i + 3])
                on, off = m.group(1), m.group(2) or ""
                if "U" in on + off:
                    raise _unsupported("the U (ungreedy) flag")
                if m.group(2) is not None and not off:
                    raise _go_error("invalid or unsupported Perl syntax", m.group(0))
                flags = "(?" + on + ("-" + off if off else "") + ":"
                if "m" in on:
                    multiline = True
                if "m" in off:
                    multiline = False
                self.i = m.end()
                if m.group(3) == ")":
                    # Go applies `(?i)` to the rest of the enclosing group; Python only allows global
                    # flags at the very start, so the rest of the group becomes a scoped group.
                    self.close_flag_scope()
                    self.out.append(flags)
                    self.groups[-1] = [flags, multiline]
                    return
                self.out.append(flags)
        else:
            self.out.append("(")
            self.i += 1
        self.groups.append([None, multiline])
        self.unbounded.append(False)

    def escape(self, in_class: bool) -> str:
        p = self.p
        start = self.i
        if self.i + 1 >= len(p):
            raise _go_error("trailing backslash at end of expression", "")
        c = p[self.i + 1]
        self.i += 2
        if c == "x":
            if p.startswith("{", self.i):
                end = p.find("}", self.i)
                digits = p[self.i + 1 : end] if end > 0 else ""
                if end < 0 or not re.fullmatch(r"[0-9A-Fa-f]{1,8}", digits):
                    raise _go_error("invalid escape sequence", p[start : (end + 1 if end > 0 else len(p))])
                self.i = end + 1
                return _char(int(digits, 16))
            digits = p[self.i : self.i + 2]
            if not re.fullmatch(r"[0-9A-Fa-f]{2}", digits):
                raise _go_error("invalid escape sequence", p[start : self.i + 2])
            self.i += 2
            return _char(int(digits, 16))
        if c in "01234567":
            m = re.compile(r"[0-7]{0,2}").match(p, self.i)
            if c != "0" and not m.group(0):
                raise _go_error("invalid escape sequence", p[start : self.i])  # a backreference
            self.i = m.end()
            return _char(int(c + m.group(0), 8))
        if c in "89":
            raise _go_error("invalid escape sequence", p[start : self.i])
        if c in _SIMPLE_ESCAPES:
            return "\\" + c
        if c in _PERL_CLASSES:
            return _PERL_CLASSES[c] if in_class else "[" + _PERL_CLASSES[c] + "]"
        if c in ("D", "W", "S"):
            if in_class:
                raise _unsupported(f"`\\{c}` inside a character class")
            return "[^" + _PERL_CLASSES[c.lower()] + "]"
        if c in ("p", "P"):
            raise _unsupported(f"the Unicode class escape `\\{c}`")
        if not in_class and c in ("b", "B"):
            return f"(?a:\\{c})"  # ASCII word boundary, as in RE2
        if not in_class and c == "A":
            return "\\A"
        if not in_class and c == "z":
            return "\\Z"  # Python's \Z is RE2's \z: the very end of the text
        if c == "Q":
            end = p.find("\\E", self.i)
            literal = p[self.i :] if end < 0 else p[self.i : end]
            self.i = len(p) if end < 0 else end + 2
            return "".join(re.escape(ch) for ch in literal)
        if c.isascii() and not c.isalnum():
            return "\\" + c
        raise _go_error("invalid escape sequence", p[start : self.i])

    def char_class(self) -> str:
        p = self.p
        start = self.i
        self.i += 1
        out = ["["]
        if p.startswith("^", self.i):
            out.append("^")
            self.i += 1
        first = True
        while True:
            if self.i >= len(p):
                raise _go_error("missing closing ]", p[start:])
            c = p[self.i]
            if c == "]" and not first:
                self.i += 1
                break
            first = False
            if c == "[" and p.startswith("[:", self.i):
                end = p.find(":]", self.i + 2)
                name = p[self.i + 2 : end] if end > 0 else ""
                if name.startswith("^"):
                    raise _unsupported(f"the negated POSIX class `[:{name}:]`")
                if name not in _POSIX_CLASSES:
                    raise _go_error("invalid character class range", p[self.i : end + 2 if end > 0 else len(p)])
                out.append(_POSIX_CLASSES[name])
                self.i = end + 2
            elif c == "\\":
                out.append(self.escape(in_class=True))
            elif c in "[&~|":
                out.append("\\" + c)  # Python warns about (and may one day read) nested sets
                self.i += 1
            else:
                out.append(c)
                self.i += 1
        out.append("]")
        return "".join(out)


def translate(pattern: str) -> str:
    """Python `re` source with RE2's meaning for `pattern`, or RegexError."""
    if len(pattern) > MAX_PATTERN_CHARS:
        raise RegexError(
            f"error parsing regexp: pattern of {len(pattern)} characters is longer than the Loki API double's "
            f"limit of {MAX_PATTERN_CHARS}"
        )
    return _Translator(pattern).translate()


def compile_re2(pattern: str) -> re.Pattern[str]:
    source = translate(pattern)
    try:
        return re.compile(source)
    except re.error as e:
        raise _go_error(str(e), pattern) from e
