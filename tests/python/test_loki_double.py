"""The Loki API double (doubles/loki_double), over HTTP on an ephemeral port.

Not Loki: these tests check that the double answers as Loki's HTTP API documents, evaluates the
LogQL the plugin builds, and refuses bad input with Loki's status and error text.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import signal
import subprocess
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from loki_double.re2 import RegexError, compile_re2
from loki_double.server import make_server
from loki_double.store import Store
from sample_app.loki import build_push_body

REPO = Path(__file__).resolve().parents[2]
SEC = 10**9
NOW = 1_700_000_000 * SEC  # the double's clock in these tests: 2023-11-14T22:13:20Z

# The plugin's queries, printed once from the TypeScript builders (src/data/loki/queries.ts with
# DEFAULT_LOG_MAPPING from src/settings/presets.ts, templateLineFilter from
# src/engine/patterns/templateFilter.ts) by bundling them with esbuild and running them in node.
ERROR_LINES = (
    '{service_name="payments"} |~ `(?i:\\b(?:level|lvl|severity|severity_text)"?\\s*[:=]\\s*"?(?:e'
    "rror|err|fatal|critical|crit)\\b)|(?i:\\b(?:status|status_code|http_status|http\\.status_code"
    '|http_response_status_code)"?\\s*[:=]\\s*"?5\\d\\d\\b)|\\b(?:ERROR|FATAL|CRITICAL)\\b`'
)
ERROR_COUNT_300S = (
    'sum(count_over_time({service_name="payments"} |~ `(?i:\\b(?:level|lvl|severity|severity_tex'
    't)"?\\s*[:=]\\s*"?(?:error|err|fatal|critical|crit)\\b)|(?i:\\b(?:status|status_code|http_stat'
    'us|http\\.status_code|http_response_status_code)"?\\s*[:=]\\s*"?5\\d\\d\\b)|\\b(?:ERROR|FATAL|CRI'
    "TICAL)\\b` [300s]))"
)
# templateLineFilter('payment provider timeout after <*> for order <*>', { structured: true })
TIMEOUT_PATTERN_COUNT = (
    'sum(count_over_time({service_name="payments"} |~ `(?i:\\b(?:level|lvl|severity|severity_tex'
    't)"?\\s*[:=]\\s*"?(?:error|err|fatal|critical|crit)\\b)|(?i:\\b(?:status|status_code|http_stat'
    'us|http\\.status_code|http_response_status_code)"?\\s*[:=]\\s*"?5\\d\\d\\b)|\\b(?:ERROR|FATAL|CRI'
    'TICAL)\\b` |~ "payment\\\\s+provider\\\\s+timeout\\\\s+after.*?for\\\\s+order" [300s]))'
)
# templateLineFilter('checkout failed for order <*> payments returned <*> after <*>', { structured: true })
CHECKOUT_PATTERN_COUNT = (
    'sum(count_over_time({service_name="payments"} |~ `(?i:\\b(?:level|lvl|severity|severity_tex'
    't)"?\\s*[:=]\\s*"?(?:error|err|fatal|critical|crit)\\b)|(?i:\\b(?:status|status_code|http_stat'
    'us|http\\.status_code|http_response_status_code)"?\\s*[:=]\\s*"?5\\d\\d\\b)|\\b(?:ERROR|FATAL|CRI'
    'TICAL)\\b` |~ "checkout\\\\s+failed\\\\s+for\\\\s+order.*?payments\\\\s+returned.*?after" [300s]))'
)
# templateLineFilter('ERROR GET /api/items?id=<*> failed: "boom" (code <*>) [x]', { structured: false })
HTTP_TEXT_PATTERN_COUNT = (
    'sum(count_over_time({service_name="payments"} |~ `(?i:\\b(?:level|lvl|severity|severity_tex'
    't)"?\\s*[:=]\\s*"?(?:error|err|fatal|critical|crit)\\b)|(?i:\\b(?:status|status_code|http_stat'
    'us|http\\.status_code|http_response_status_code)"?\\s*[:=]\\s*"?5\\d\\d\\b)|\\b(?:ERROR|FATAL|CRI'
    'TICAL)\\b` |~ "^\\\\s*ERROR\\\\s+GET\\\\s+/api/items\\\\?id=.*?\\\\s+failed:\\\\s+\\"boom\\"\\\\s+\\\\(code\\\\'
    's+.*?\\\\)\\\\s+\\\\[x\\\\]\\\\s*$" [300s]))'
)
# templateLineFilter('FATAL worker\tcrashed with <*> \\ retry', { structured: false })
WORKER_TEXT_PATTERN_COUNT = (
    'sum(count_over_time({service_name="payments"} |~ `(?i:\\b(?:level|lvl|severity|severity_tex'
    't)"?\\s*[:=]\\s*"?(?:error|err|fatal|critical|crit)\\b)|(?i:\\b(?:status|status_code|http_stat'
    'us|http\\.status_code|http_response_status_code)"?\\s*[:=]\\s*"?5\\d\\d\\b)|\\b(?:ERROR|FATAL|CRI'
    'TICAL)\\b` |~ "^\\\\s*FATAL\\\\s+worker\\\\x{9}crashed\\\\s+with\\\\s+.*?\\\\s+\\\\\\\\\\\\s+retry\\\\s*$" [300'
    "s]))"
)


class Double:
    """A running double with a clock the test moves."""

    def __init__(self, **store_options) -> None:
        self.now = NOW
        self.store = Store(clock=lambda: self.now, **store_options)
        self.server = make_server("127.0.0.1", 0, self.store, max_body_bytes=1 << 20)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        req = urllib.request.Request(self.url + path, data=body, method=method, headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                return resp.status, resp.headers.get("Content-Type", ""), resp.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.headers.get("Content-Type", ""), e.read().decode()

    def push(self, streams: list[dict], headers: dict | None = None) -> tuple[int, str]:
        body = json.dumps({"streams": streams}).encode()
        status, _, text = self.request(
            "POST", "/loki/api/v1/push", body, {"Content-Type": "application/json", **(headers or {})}
        )
        return status, text

    def get(self, path: str, **params) -> tuple[int, str]:
        status, _, text = self.request("GET", path + "?" + urllib.parse.urlencode(params, doseq=True))
        return status, text

    def get_json(self, path: str, **params) -> dict:
        status, text = self.get(path, **params)
        assert status == 200, text
        return json.loads(text)

    def query_range(self, query: str, start: int, end: int, **params) -> dict:
        doc = self.get_json("/loki/api/v1/query_range", query=query, start=str(start), end=str(end), **params)
        assert doc["status"] == "success"
        return doc["data"]

    def query(self, query: str, at: int) -> dict:
        doc = self.get_json("/loki/api/v1/query", query=query, time=str(at))
        assert doc["status"] == "success"
        return doc["data"]


@pytest.fixture
def loki():
    double = Double()
    yield double
    double.close()


def entry(ts: int, line: str) -> list[str]:
    return [str(ts), line]


def service_line(level: str, message: str, route: str = "/charge", status: int = 200, **extra) -> str:
    """A line as the sample services write it (sample_app.telemetry.JsonFormatter)."""
    doc = {"ts": "2023-11-14T22:13:20.000Z", "level": level, "service_name": "payments", "message": message}
    doc.update({"route": route, "status": status, "trace_id": "4bf92f3577b34da6a3ce929d0e0e4736", **extra})
    return json.dumps(doc)


def lines_of(data: dict) -> list[str]:
    return [line for stream in data["result"] for _, line in stream["values"]]


def times_of(data: dict) -> list[int]:
    return [int(ts) for stream in data["result"] for ts, _ in stream["values"]]


# --- push and log queries ------------------------------------------------------------------------


def test_push_then_query_back_newest_first_with_limit_over_all_streams(loki):
    a = [entry(NOW - 50 * SEC + i * 10 * SEC, f"a{i}") for i in range(5)]  # a0..a4 at -50s, -40s, ...
    b = [entry(NOW - 45 * SEC + i * 10 * SEC, f"b{i}") for i in range(5)]  # b0..b4 at -45s, -35s, ...
    status, text = loki.push(
        [
            {"stream": {"service_name": "x", "level": "info"}, "values": a},
            {"stream": {"service_name": "x", "level": "error"}, "values": b},
        ]
    )
    assert (status, text) == (204, "")
    data = loki.query_range('{service_name="x"}', NOW - 60 * SEC, NOW, limit="3")
    assert data["resultType"] == "streams"
    # The three newest over both streams, each stream's values newest first.
    assert set(lines_of(data)) == {"a4", "b4", "b3"}
    by_level = {s["stream"]["level"]: [v[1] for v in s["values"]] for s in data["result"]}
    assert by_level == {"info": ["a4"], "error": ["b4", "b3"]}
    forward = loki.query_range('{service_name="x"}', NOW - 60 * SEC, NOW, limit="3", direction="forward")
    assert set(lines_of(forward)) == {"a0", "b0", "a1"}
    assert [v[1] for s in forward["result"] if s["stream"]["level"] == "info" for v in s["values"]] == ["a0", "a1"]
    assert forward["stats"]["summary"]["totalEntriesReturned"] == 3


def test_the_sample_services_push_body_is_accepted(loki):
    line = service_line("error", "payment provider timeout after 2s for order 1", status=504)
    labels = {"service_name": "payments", "level": "error"}
    body = json.dumps(build_push_body([(labels, NOW - SEC, line), (labels, NOW, line)])).encode()
    status, _, _ = loki.request("POST", "/loki/api/v1/push", body, {"Content-Type": "application/json"})
    assert status == 204
    data = loki.query_range('{service_name="payments"} | json | status="504"', NOW - 5 * SEC, NOW + 1)
    assert data["result"][0]["stream"]["level_extracted"] == "error"
    assert times_of(data) == [NOW, NOW - SEC]


def test_default_limit_is_100_and_values_are_nanosecond_strings(loki):
    loki.push([{"stream": {"app": "many"}, "values": [entry(NOW - SEC + i, f"l{i}") for i in range(150)]}])
    data = loki.query_range('{app="many"}', NOW - 2 * SEC, NOW)
    assert len(lines_of(data)) == 100
    assert times_of(data)[0] == NOW - SEC + 149
    assert all(isinstance(ts, str) for s in data["result"] for ts, _ in s["values"])


def test_log_range_is_start_inclusive_end_exclusive(loki):
    loki.push([{"stream": {"app": "edge"}, "values": [entry(NOW - 10 * SEC, "at start"), entry(NOW, "at end")]}])
    assert lines_of(loki.query_range('{app="edge"}', NOW - 10 * SEC, NOW)) == ["at start"]


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (str(NOW - 10 * SEC), str(NOW + 1)),  # nanoseconds
        ("2023-11-14T22:13:10Z", "2023-11-14T22:13:20.000000001Z"),  # RFC 3339, nanosecond precision
        ("2023-11-14T23:13:10+01:00", "2023-11-14T23:13:20.5+01:00"),
        ("1699999990", "1700000001"),  # ten digits or fewer: seconds, as Loki reads them
        ("1699999990.0", "1700000000.5"),  # float seconds
    ],
)
def test_time_parameters_in_every_format_loki_takes(loki, start, end):
    loki.push([{"stream": {"app": "t"}, "values": [entry(NOW - 11 * SEC, "before"), entry(NOW, "now")]}])
    assert lines_of(loki.get_json("/loki/api/v1/query_range", query='{app="t"}', start=start, end=end)["data"]) == [
        "now"
    ]


def test_stream_selector_matchers_are_anchored_regexes(loki):
    loki.push([{"stream": {"app": name}, "values": [entry(NOW - SEC, name)]} for name in ("api", "api-v2", "web")])
    assert sorted(lines_of(loki.query_range('{app=~"api"}', NOW - 5 * SEC, NOW))) == ["api"]
    assert sorted(lines_of(loki.query_range('{app=~"api.*"}', NOW - 5 * SEC, NOW))) == ["api", "api-v2"]
    assert sorted(lines_of(loki.query_range('{app=~".+", app!~"api.*"}', NOW - 5 * SEC, NOW))) == ["web"]
    assert sorted(lines_of(loki.query_range('{app=~".+", app!="web"}', NOW - 5 * SEC, NOW))) == ["api", "api-v2"]


def test_line_filters_chain_with_both_string_kinds(loki):
    lines = ['GET /a status=500 "oops"', "GET /b status=200", "POST /a status=503 tab\there"]
    loki.push([{"stream": {"app": "f"}, "values": [entry(NOW - 3 * SEC + i, x) for i, x in enumerate(lines)]}])

    def run(q: str) -> list[str]:
        return sorted(lines_of(loki.query_range(q, NOW - 5 * SEC, NOW)))

    assert run('{app="f"} |= "/a" != "POST"') == [lines[0]]
    assert run('{app="f"} |~ `status=5\\d\\d` |= "\\"oops\\""') == [lines[0]]
    assert run('{app="f"} |= "tab\\there"') == [lines[2]]
    assert run('{app="f"} !~ "status=5.."') == [lines[1]]
    assert run('{app="f"} |~ "(?i)get"') == [lines[0], lines[1]]


def test_duplicates_are_dropped_and_out_of_order_entries_within_an_hour_accepted(loki):
    stream = {"app": "order"}
    assert loki.push([{"stream": stream, "values": [entry(NOW, "x"), entry(NOW, "x"), entry(NOW, "y")]}])[0] == 204
    assert loki.push([{"stream": stream, "values": [entry(NOW - 30 * 60 * SEC, "late")]}])[0] == 204
    data = loki.query_range('{app="order"}', NOW - 3600 * SEC, NOW + 1)
    assert sorted(lines_of(data)) == ["late", "x", "y"]
    assert times_of(data) == sorted(times_of(data), reverse=True)
    status, text = loki.push([{"stream": stream, "values": [entry(NOW - 61 * 60 * SEC, "too late")]}])
    assert status == 400
    assert "entry too far behind" in text and "oldest acceptable timestamp is: 2023-11-14T21:13:20Z" in text


def test_gzip_push_is_accepted(loki):
    body = gzip.compress(
        json.dumps({"streams": [{"stream": {"app": "gz"}, "values": [entry(NOW, "zipped")]}]}).encode()
    )
    status, _, _ = loki.request(
        "POST", "/loki/api/v1/push", body, {"Content-Type": "application/json", "Content-Encoding": "gzip"}
    )
    assert status == 204
    assert lines_of(loki.query_range('{app="gz"}', NOW - SEC, NOW + 1)) == ["zipped"]


def test_structured_metadata_is_kept_as_labels_of_the_entry(loki):
    loki.push(
        [{"stream": {"app": "m"}, "values": [[str(NOW), "with", {"trace_id": "abc"}], entry(NOW - 1, "without")]}]
    )
    data = loki.query_range('{app="m"} | trace_id="abc"', NOW - SEC, NOW + 1)
    assert data["result"] == [{"stream": {"app": "m", "trace_id": "abc"}, "values": [[str(NOW), "with"]]}]


# --- parsers and label filters -------------------------------------------------------------------


def test_json_parser_and_label_filters(loki):
    lines = [
        service_line("error", "provider down", status=503, latency={"ms": 12}),
        service_line("info", "ok", status=200),
        service_line("error", "bad request", status=404),
        "not json at all",
    ]
    loki.push(
        [{"stream": {"service_name": "payments"}, "values": [entry(NOW - 4 * SEC + i, x) for i, x in enumerate(lines)]}]
    )
    data = loki.query_range('{service_name="payments"} | json | status=~"5.." | level="error"', NOW - 5 * SEC, NOW)
    assert lines_of(data) == [lines[0]]
    labels = data["result"][0]["stream"]
    # Numbers keep their text, nested objects flatten with `_`, a field named like a stream label
    # gets `_extracted`.
    assert labels["status"] == "503" and labels["latency_ms"] == "12" and labels["service_name_extracted"] == "payments"
    errors = loki.query_range('{service_name="payments"} | json | __error__!=""', NOW - 5 * SEC, NOW)
    assert lines_of(errors) == ["not json at all"]
    assert errors["result"][0]["stream"]["__error__"] == "JSONParserErr"
    clean = loki.query_range('{service_name="payments"} | json | __error__="" | status!="200"', NOW - 5 * SEC, NOW)
    assert sorted(lines_of(clean)) == sorted([lines[0], lines[2]])


def test_logfmt_parser(loki):
    lines = ['level=error msg="upstream \\"payments\\" failed" status=502', "level=info msg=ok status=200", 'a="open']
    loki.push([{"stream": {"app": "lf"}, "values": [entry(NOW - 3 * SEC + i, x) for i, x in enumerate(lines)]}])
    data = loki.query_range('{app="lf"} | logfmt | level="error"', NOW - 5 * SEC, NOW)
    assert lines_of(data) == [lines[0]]
    assert data["result"][0]["stream"]["msg"] == 'upstream "payments" failed'
    bad = loki.query_range('{app="lf"} | logfmt | __error__="LogfmtParserErr"', NOW - 5 * SEC, NOW)
    assert lines_of(bad) == [lines[2]]


def test_metric_query_over_parser_errors_is_a_pipeline_error(loki):
    loki.push([{"stream": {"app": "pe"}, "values": [entry(NOW - SEC, "{bad json")]}])
    status, text = loki.get("/loki/api/v1/query", query='sum(count_over_time({app="pe"} | json [1m]))', time=str(NOW))
    assert status == 400 and text.startswith(
        "pipeline error: 'JSONParserErr' for series: '{__error__=\"JSONParserErr\""
    )
    ok = loki.query('sum(count_over_time({app="pe"} | json | __error__!="JSONParserErr" [1m]))', NOW)
    assert ok["result"] == []


# --- metric queries ------------------------------------------------------------------------------


def test_count_over_time_steps_from_start_and_windows_are_left_open_right_closed(loki):
    # Entries exactly on step boundaries: at -60s, -30s, -30s, -10s and 0s.
    times = [NOW - 60 * SEC, NOW - 30 * SEC, NOW - 30 * SEC + 0, NOW - 10 * SEC, NOW]
    loki.push([{"stream": {"app": "c"}, "values": [entry(t, f"l{i}") for i, t in enumerate(times)]}])
    data = loki.query_range('count_over_time({app="c"}[30s])', NOW - 60 * SEC, NOW, step="30s")
    assert data["resultType"] == "matrix"
    (series,) = data["result"]
    assert series["metric"] == {"app": "c"}
    # t=-60s: (-90s, -60s] holds l0; t=-30s: (-60s, -30s] holds l1, l2; t=0: (-30s, 0] holds l3, l4.
    assert series["values"] == [[1699999940, "1"], [1699999970, "2"], [1700000000, "2"]]


def test_steps_are_not_aligned_to_the_step_and_stop_at_end(loki):
    loki.push([{"stream": {"app": "s"}, "values": [entry(NOW - 30 * SEC, "x")]}])
    data = loki.query_range('count_over_time({app="s"}[1h])', NOW - 25 * SEC + 500_000_000, NOW, step="10")
    assert [v[0] for v in data["result"][0]["values"]] == [1699999975.5, 1699999985.5, 1699999995.5]


def test_rate_sum_by_and_sum_without(loki):
    for level, count in (("error", 6), ("info", 3)):
        values = [entry(NOW - 50 * SEC + i * SEC, f"{level} {i}") for i in range(count)]
        loki.push([{"stream": {"app": "r", "level": level, "pod": "p1"}, "values": values}])
    rate = loki.query('rate({app="r", level="error"}[1m])', NOW)
    assert rate == {**rate, "resultType": "vector"}
    assert rate["result"] == [{"metric": {"app": "r", "level": "error", "pod": "p1"}, "value": [1700000000, "0.1"]}]
    by_level = loki.query('sum by (level) (count_over_time({app="r"}[1m]))', NOW)["result"]
    assert {r["metric"]["level"]: r["value"][1] for r in by_level} == {"error": "6", "info": "3"}
    postfix = loki.query('sum(count_over_time({app="r"}[1m])) by (level)', NOW)["result"]
    assert postfix == by_level
    without = loki.query('sum without (level) (count_over_time({app="r"}[1m]))', NOW)["result"]
    assert without == [{"metric": {"app": "r", "pod": "p1"}, "value": [1700000000, "9"]}]
    total = loki.query('sum(count_over_time({app="r"}[1m]))', NOW)["result"]
    assert total == [{"metric": {}, "value": [1700000000, "9"]}]
    assert loki.query('sum(count_over_time({app="nothing"}[1m]))', NOW)["result"] == []


def test_drop_removes_labels_as_grafanas_log_volume_query_does(loki):
    loki.push([{"stream": {"app": "v", "level": "error"}, "values": [entry(NOW - SEC, "{bad")]}])
    volume = loki.query(
        'sum by (level) (count_over_time({app="v"} | json | drop __error__, __error_details__ [1m]))', NOW
    )
    assert volume["result"] == [{"metric": {"level": "error"}, "value": [1700000000, "1"]}]


def test_durations_with_several_units(loki):
    loki.push([{"stream": {"app": "d"}, "values": [entry(NOW - 5399 * SEC, "old"), entry(NOW - 200_000_000, "new")]}])
    assert loki.query('sum(count_over_time({app="d"}[1h30m]))', NOW)["result"][0]["value"][1] == "2"
    assert loki.query('sum(count_over_time({app="d"}[250ms]))', NOW)["result"][0]["value"][1] == "1"


# --- the plugin's own queries --------------------------------------------------------------------


def plugin_lines() -> list[tuple[str, bool]]:
    """(line, is an error line for DEFAULT_LOG_MAPPING.errorFilter)."""
    return [
        (service_line("error", "payment provider timeout after 2.1s for order 17", status=504), True),
        (service_line("error", "payment provider timeout after 0.9s for order 18", status=504), True),
        (service_line("warning", "slow", status=503), True),  # a 5xx status field
        (service_line("info", "charged order 19", status=200), False),
        (service_line("info", "retrying", status=200, latency_status=503), False),  # not a status field
        (service_line("info", "big", status=5000), False),  # four digits: not 5xx
        (service_line("info", "errorless", severity="errorless"), False),
        ('ERROR GET /api/items?id=7 failed: "boom" (code 503) [x]', True),
        ('ERROR GET /api/items?id=8 failed: "boom" (code 500) [y]', True),  # not the template: [y]
        ("FATAL worker\tcrashed with OOM \\ retry", True),
        ("level=ERROR msg=disk", True),  # logfmt level, any case
        ("an error happened", False),  # lower-case word in plain text
    ]


def test_the_plugins_error_lines_and_counts(loki):
    cases = plugin_lines()
    values = [entry(NOW - 100 * SEC + i * SEC, line) for i, (line, _) in enumerate(cases)]
    loki.push([{"stream": {"service_name": "payments", "level": "info"}, "values": values}])
    got = lines_of(loki.query_range(ERROR_LINES, NOW - 200 * SEC, NOW, limit="2000"))
    expected = [line for line, is_error in cases if is_error]
    assert sorted(got) == sorted(expected)
    count = loki.query(ERROR_COUNT_300S, NOW)["result"]
    assert count == [{"metric": {}, "value": [1700000000, str(len(expected))]}]
    assert loki.query(TIMEOUT_PATTERN_COUNT, NOW)["result"][0]["value"][1] == "2"
    assert loki.query(HTTP_TEXT_PATTERN_COUNT, NOW)["result"][0]["value"][1] == "1"
    assert loki.query(WORKER_TEXT_PATTERN_COUNT, NOW)["result"][0]["value"][1] == "1"
    assert loki.query(CHECKOUT_PATTERN_COUNT, NOW)["result"] == []


def test_the_plugins_burst_query_per_step(loki):
    line = service_line("error", "payment provider timeout after 1s for order 1", status=504)
    loki.push(
        [{"stream": {"service_name": "payments"}, "values": [entry(NOW - 50 * SEC, line), entry(NOW - 5 * SEC, line)]}]
    )
    burst = ERROR_COUNT_300S.replace("[300s]", "[30s]")
    data = loki.query_range(burst, NOW - 60 * SEC, NOW, step="30s")
    assert data["result"] == [{"metric": {}, "values": [[1699999970, "1"], [1700000000, "1"]]}]


# --- labels, series and status -------------------------------------------------------------------


def test_labels_label_values_and_series(loki):
    loki.push(
        [
            {"stream": {"service_name": "payments", "level": "error"}, "values": [entry(NOW - SEC, "a")]},
            {
                "stream": {"service_name": "sample-app", "level": "info", "env": "demo"},
                "values": [entry(NOW - SEC, "b")],
            },
        ]
    )
    window = {"start": str(NOW - 10 * SEC), "end": str(NOW)}
    assert loki.get_json("/loki/api/v1/labels", **window) == {
        "status": "success",
        "data": ["env", "level", "service_name"],
    }
    values = loki.get_json("/loki/api/v1/label/service_name/values", **window)
    assert values == {"status": "success", "data": ["payments", "sample-app"]}
    scoped = loki.get_json("/loki/api/v1/label/level/values", query='{service_name="payments"}', **window)
    assert scoped["data"] == ["error"]
    series = loki.get_json(
        "/loki/api/v1/series", **{"match[]": ['{level="info"}', '{service_name="payments"}']}, **window
    )
    assert sorted(series["data"], key=lambda s: s["service_name"]) == [
        {"level": "error", "service_name": "payments"},
        {"env": "demo", "level": "info", "service_name": "sample-app"},
    ]
    # Outside the window: nothing.
    assert loki.get_json("/loki/api/v1/labels", start=str(NOW - 100 * SEC), end=str(NOW - 50 * SEC))["data"] == []


def test_ready_buildinfo_and_unknown_routes(loki):
    assert loki.request("GET", "/ready")[0::2] == (200, "ready\n")
    info = json.loads(loki.request("GET", "/loki/api/v1/status/buildinfo")[2])
    assert info["version"] == "3.x-compatible-rcp-double"
    assert loki.request("GET", "/loki/api/v1/tail")[0::2] == (404, "404 page not found\n")
    assert loki.request("GET", "/loki/api/v1/push")[0] == 405


def test_post_form_queries(loki):
    loki.push([{"stream": {"app": "p"}, "values": [entry(NOW - SEC, "posted")]}])
    body = urllib.parse.urlencode({"query": '{app="p"}', "start": str(NOW - 5 * SEC), "end": str(NOW)}).encode()
    status, _, text = loki.request(
        "POST", "/loki/api/v1/query_range", body, {"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert status == 200 and lines_of(json.loads(text)["data"]) == ["posted"]


# --- bad input -----------------------------------------------------------------------------------


def stored(loki) -> int:
    return loki.store.stats()["entries"]


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b'{"streams": [{"stream": {"a": "b"}, "values": [[1700000000000000000, "ts not a string"]]}]}',
        b'{"streams": [{"stream": {"a": 1}, "values": []}]}',
        b'{"streams": {"a": "b"}}',
        b"\xff\xfe",
    ],
)
def test_malformed_push_is_refused_with_400_plain_text(loki, body):
    status, ctype, text = loki.request("POST", "/loki/api/v1/push", body, {"Content-Type": "application/json"})
    assert status == 400 and ctype.startswith("text/plain") and text
    assert stored(loki) == 0


def test_a_push_with_one_bad_entry_stores_nothing(loki):
    good = {"stream": {"app": "good"}, "values": [entry(NOW, "fine")]}
    long_line = {"stream": {"app": "bad"}, "values": [entry(NOW, "fine"), entry(NOW, "x" * (256 * 1024 + 1))]}
    status, text = loki.push([good, long_line])
    assert status == 400
    assert text == (
        "Max entry size '262144' bytes exceeded for stream '{app=\"bad\"}' while adding an entry with length "
        "'262145' bytes"
    )
    assert stored(loki) == 0
    assert loki.query_range('{app="good"}', NOW - SEC, NOW + 1)["result"] == []


@pytest.mark.parametrize(
    ("stream", "values", "message"),
    [
        ({}, [entry(NOW, "x")], "error at least one label pair is required per stream"),
        (
            {"bad-name": "v"},
            [entry(NOW, "x")],
            "Error parsing labels '{bad-name=\"v\"}' with error: invalid label name",
        ),
        ({f"l{i}": "v" for i in range(16)}, [entry(NOW, "x")], "has 16 label names; limit 15"),
        ({"app": "old"}, [entry(NOW - 3 * 3600 * SEC, "x")], "has timestamp too old: 2023-11-14T19:13:20Z"),
        ({"app": "new"}, [entry(NOW + 11 * 60 * SEC, "x")], "has timestamp too new: 2023-11-14T22:24:20Z"),
    ],
)
def test_invalid_streams_get_lokis_messages(loki, stream, values, message):
    status, text = loki.push(
        [{"stream": {"app": "ok"}, "values": [entry(NOW, "kept?")]}, {"stream": stream, "values": values}]
    )
    assert status == 400 and message in text
    assert stored(loki) == 0


def test_protobuf_and_oversized_pushes_are_refused(loki):
    status, _, text = loki.request(
        "POST", "/loki/api/v1/push", b"\x00snappy", {"Content-Type": "application/x-protobuf"}
    )
    assert status == 415 and "JSON" in text
    big = json.dumps({"streams": [{"stream": {"app": "big"}, "values": [entry(NOW, "x" * (1 << 20))]}]}).encode()
    status, _, text = loki.request("POST", "/loki/api/v1/push", big, {"Content-Type": "application/json"})
    assert status == 413 and text.startswith("message size too large than max")
    bomb = gzip.compress(b" " * (2 << 20))
    status, _, _ = loki.request(
        "POST", "/loki/api/v1/push", bomb, {"Content-Type": "application/json", "Content-Encoding": "gzip"}
    )
    assert status == 413
    assert stored(loki) == 0


PARSE_ERROR = re.compile(r"parse error at line \d+, col \d+: .+|parse error : .+")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ('{a="b"} | unknown_stage', "parse error at line 1, col 24: syntax error: unexpected $end"),
        ('{a="b"} | unknown_stage | json', "parse error at line 1, col 25: syntax error: unexpected PIPE"),
        ('quantile_over_time(0.99, {a="b"} | unwrap x [5m])', "parse error at line 1, col 1: quantile_over_time()"),
        ('{a="b"', "parse error at line 1, col 7: syntax error: unexpected $end, expecting CLOSE_BRACE or COMMA"),
        ("{a=b}", "parse error at line 1, col 4: syntax error: unexpected IDENTIFIER, expecting STRING"),
        ('rate({a="b"}[5minutes])', "parse error at line 1, col 13: syntax error: unexpected '5minutes'"),
        ('{a="b"} |= "\\d"', "parse error at line 1, col 12: invalid char escape"),
        ('{a="b"} |~ `(x)\\1`', "parse error at line 1, col 12: error parsing regexp: invalid escape sequence: `\\1`"),
        (
            '{a="b"} |~ "(?=x)"',
            "parse error at line 1, col 12: error parsing regexp: invalid or unsupported Perl syntax",
        ),
        ('{a="b"} |~ `\\pL`', "not supported by the Loki API double"),
        ('{a=~".*"}', "parse error : queries require at least one regexp or equality matcher"),
        ('{a="b"} | json | status >= 500', "numeric, duration and bytes label filters"),
        ('{a="b"} | line_format "{{.x}}"', "| line_format is valid LogQL but not supported by the Loki API double"),
        ('sum(count_over_time({a="b"}[5m])) / 2', "parse error at line 1, col 35: syntax error: unexpected"),
        ('{a="b"} |= "' + "x" * 20000 + '"', "longer than the Loki API double's limit"),
    ],
)
def test_unknown_or_invalid_logql_gets_a_400_parse_error(loki, query, expected):
    loki.push([{"stream": {"a": "b"}, "values": [entry(NOW - SEC, "x")]}])
    status, text = loki.get("/loki/api/v1/query_range", query=query, start=str(NOW - 5 * SEC), end=str(NOW))
    assert status == 400 and text.startswith("parse error") and PARSE_ERROR.fullmatch(text), text
    assert expected in text, text


@pytest.mark.parametrize(
    ("path", "params", "message"),
    [
        (
            "/loki/api/v1/query_range",
            {"limit": "5001"},
            "max entries limit per query exceeded, limit > max_entries_limit_per_query (5001 > 5000)",
        ),
        (
            "/loki/api/v1/query",
            {"time": str(NOW)},
            "log queries are not supported as an instant query type, please change your query to a range query type",
        ),
        ("/loki/api/v1/query_range", {"start": str(NOW), "end": str(NOW - SEC)}, "invalid query, through < from"),
        ("/loki/api/v1/query_range", {"direction": "sideways"}, "invalid direction"),
        ("/loki/api/v1/query_range", {"limit": "0"}, "limit must be a positive value"),
        ("/loki/api/v1/query_range", {"start": "yesterday"}, 'cannot parse "yesterday" to a valid timestamp'),
    ],
)
def test_out_of_limit_parameters_get_lokis_errors(loki, path, params, message):
    status, text = loki.get(path, query='{a="b"}', **params)
    assert status == 400 and message in text, text


def test_metric_range_query_limits(loki):
    q = 'count_over_time({a="b"}[1m])'
    status, text = loki.get("/loki/api/v1/query_range", query=q, start=str(NOW - 20000 * SEC), end=str(NOW), step="1")
    assert status == 400 and text.startswith("exceeded maximum resolution of 11,000 points per timeseries")
    status, text = loki.get("/loki/api/v1/query_range", query=q, start=str(NOW - 10 * SEC), end=str(NOW), step="0")
    assert status == 400 and text.startswith("zero or negative query resolution step widths are not accepted")
    loki.push([{"stream": {"a": "b", "n": str(i)}, "values": [entry(NOW - SEC, "x")]} for i in range(501)])
    status, text = loki.get("/loki/api/v1/query", query=q, time=str(NOW))
    assert status == 400 and text.startswith("maximum number of series (500) reached for a single query")
    assert loki.query('sum(count_over_time({a="b"}[1m]))', NOW)["result"][0]["value"][1] == "501"


def test_series_needs_a_selector_without_pipeline(loki):
    assert loki.get("/loki/api/v1/series")[0] == 400
    status, text = loki.get("/loki/api/v1/series", **{"match[]": '{a="b"} |= "x"'})
    assert (status, text) == (400, "parse error : only label matchers are supported")


# --- memory bounds -------------------------------------------------------------------------------


def test_retention_evicts_entries_older_than_the_window():
    double = Double(retention_seconds=60)
    try:
        double.push([{"stream": {"app": "r"}, "values": [entry(NOW - 50 * SEC, "old"), entry(NOW, "new")]}])
        double.now = NOW + 20 * SEC  # "old" is now 70 s old
        assert lines_of(double.query_range('{app="r"}', NOW - 100 * SEC, NOW + 1)) == ["new"]
        assert double.store.stats()["entries"] == 1
        double.now = NOW + 61 * SEC
        assert double.query_range('{app="r"}', NOW - 100 * SEC, NOW + 1)["result"] == []
        assert double.store.stats() == {"streams": 0, "entries": 0, "bytes": 0}
    finally:
        double.close()


def test_byte_cap_evicts_the_oldest_entries_first_across_streams():
    per_entry = 1000 + 200  # the line plus the store's fixed per-entry overhead
    double = Double(max_bytes=5 * per_entry)
    try:
        for i in range(8):
            stream = {"app": "cap", "n": str(i % 2)}
            assert (
                double.push([{"stream": stream, "values": [entry(NOW - 100 * SEC + i * SEC, f"{i}".ljust(1000))]}])[0]
                == 204
            )
        kept = double.query_range('{app="cap"}', NOW - 200 * SEC, NOW, direction="forward")
        assert sorted(line.strip() for line in lines_of(kept)) == ["3", "4", "5", "6", "7"]
        assert double.store.stats()["bytes"] <= 5 * per_entry
    finally:
        double.close()


# --- RE2 semantics -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "text", "matches"),
    [
        (r"\x{1F}", "a\x1fb", True),
        (r"\x41", "A", True),
        (r"end\z", "the end", True),
        (r"end$", "the end\n", False),  # RE2's $ is the end of the text, not before a final newline
        (r"(?m)end$", "the end\nmore", True),
        (r"(?i:ERROR)", "an error", True),
        (r"a(?i)b|c", "C", True),  # the flag covers the rest of the group, both alternatives
        (r"a(?i)b|c", "Ab", False),
        (r"(?s)a.b", "a\nb", True),
        (r"a.b", "a\nb", False),
        (r"[[:alpha:]]+[[:digit:]]", "abc1", True),
        (r"[[:upper:]]", "abc", False),
        (r"(?P<x>a)(?<y>b)", "ab", True),
        (r"\d", "٣", False),  # RE2's \d, \w, \s and \b are ASCII
        (r"\w", "é", False),
        (r"\bé", "é", False),  # no ASCII word boundary before a non-ASCII letter
        (r"\s", "\v", False),
        (r"x{,2}", "x{,2}", True),  # Go reads {,n} literally
        (r"\Qa.b\E", "axb", False),
        (r"\Qa.b\E", "a.b", True),
        (r"[\d-]+", "1-2", True),
        (r"a{2}", "aa", True),
    ],
)
def test_re2_patterns_mean_what_they_mean_in_go(pattern, text, matches):
    assert (compile_re2(pattern).search(text) is not None) is matches


@pytest.mark.parametrize(
    "pattern",
    [
        r"(a)\1",
        "(?=a)",
        "(?<!a)b",
        r"\pL",
        r"\p{Greek}",
        r"\PL",
        "(a+)+",
        "(?:a*b*)*c",
        "a**",
        r"\Z",
        "(?U)a",
        "a{1001}",
        "[[:^alpha:]]",
        "(?#c)",
        r"[\D]",
        "(",
        ")",
        "[a",
        "\\",
        r"\q",
    ],
)
def test_re2_patterns_the_double_cannot_honour_are_refused(pattern):
    with pytest.raises(RegexError):
        compile_re2(pattern)


# --- process -------------------------------------------------------------------------------------


def test_the_module_serves_until_sigterm():
    env = {**os.environ, "PYTHONPATH": str(REPO / "doubles")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "loki_double", "--host", "127.0.0.1", "--port", "0", "--retention-seconds", "60"],
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        first = proc.stderr.readline()
        port = int(re.search(r":(\d+)$", first.strip()).group(1))
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/ready", timeout=10) as resp:
            assert (resp.status, resp.read()) == (200, b"ready\n")
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0
        rest = proc.stderr.read()
        assert '"GET /ready HTTP/1.1" 200' in rest and "stopped" in rest
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
