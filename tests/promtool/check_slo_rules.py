"""`promtool check rules` on the rule files `scripts/slo-rules` generates, and `promtool test rules`
showing each of the four burn-rate alerts firing and not firing on series built for it.

    .venv/bin/python tests/promtool/check_slo_rules.py

promtool comes from Debian's prometheus package through `stack.build.ensure_prometheus_tool` (cached
under ~/.cache/rcp-stack/bin). The scenarios below are hand-computed: each service has 3 days of
counters at one-minute resolution with the default objective (99.9 % over 30 days, so an error ratio
of 0.1 % is a burn rate of 1x), and each alert's expected services are worked out in the comments.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from stack.build import ensure_prometheus_tool  # noqa: E402
from stack.config import cache_dir  # noqa: E402

METRIC = "http_server_request_duration_seconds_count"
MINUTES = 3 * 24 * 60  # samples at 0..4320 minutes

# Per service: (ok series, error series) in promtool's expanding notation, 4321 values each.
SERIES = {
    # 100 req/min; 3 % errors in the last hour only: 1h and 5m at 30x (page-fast), 6h at 5x, 1d at 1.25x.
    "fast": ("0+100x4260 426097+97x59", "0x4260 3+3x59"),
    # 100 req/min; 1 % errors in the last 6 hours: 6h and 30m at 10x (page-slow), 1h at 10x < 14.4, 1d at 2.5x.
    "slow": ("0+100x3960 396099+99x359", "0x3960 1+1x359"),
    # 1000 req/min without errors for 2 days, then 200 req/min with 0.5 % errors: 1d and 2h at 5x
    # (ticket-fast), 6h at 5x < 6, while the 3d ratio stays at 0.45x (ticket-slow does not fire).
    "daily": ("0+1000x2880 2880199+199x1439", "0x2880 1+1x1439"),
    # 500 req/min, 0.2 % errors throughout: every window at 2x (ticket-slow only).
    "steady": ("0+499x4320", "0+1x4320"),
    # 2000 req/min, 0.05 % errors: 0.5x everywhere, never alerts.
    "healthy": ("0+1999x4320", "0+1x4320"),
    # 100 req/min; 3 % errors from minute 4200 to 4310, none in the last 10 minutes: at 72h the 1h
    # window is at 25x but the 5m window at 0 (page-fast stopped), while 6h (9.2x) and 30m (20x)
    # still page-slow; at 71h50m both page-fast windows are at 30x.
    "recovered": ("0+100x4200 420097+97x109 430770+100x9", "0x4200 3+3x109 330x9"),
}

ALERTS = {
    # alert name: (severity, factor, long, short, how long the whole 30-day budget lasts at that rate)
    "SLOBurnRatePageFast": ("page", "14.4", "1h", "5m", "50h"),
    "SLOBurnRatePageSlow": ("page", "6", "6h", "30m", "5d"),
    "SLOBurnRateTicketFast": ("ticket", "3", "1d", "2h", "10d"),
    "SLOBurnRateTicketSlow": ("ticket", "1", "3d", "6h", "30d"),
}

# (evaluation time, alert) -> the services it fires for; every other service is checked not firing.
EXPECTED = {
    ("72h", "SLOBurnRatePageFast"): ["fast"],
    ("72h", "SLOBurnRatePageSlow"): ["recovered", "slow"],
    ("72h", "SLOBurnRateTicketFast"): ["daily"],
    ("72h", "SLOBurnRateTicketSlow"): ["steady"],
    ("71h50m", "SLOBurnRatePageFast"): ["fast", "recovered"],
    # Before their errors start, fast and daily fire nothing.
    ("70h", "SLOBurnRatePageFast"): [],
    ("47h", "SLOBurnRateTicketFast"): [],
}


def expected_alert(service: str, alert: str) -> dict:
    severity, factor, long, short, lasts = ALERTS[alert]
    slo = "requests-availability"
    return {
        "exp_labels": {
            "service_name": service,
            "sloth_id": f"{service}-{slo}",
            "sloth_service": service,
            "sloth_slo": slo,
            "severity": severity,
            "burn_rate_factor": factor,
            "long_window": long,
            "short_window": short,
        },
        "exp_annotations": {
            "summary": f"{service}: error budget burning {factor}x too fast over {long} and {short}",
            "description": f"Objective 99.9 % over 30d; at {factor}x the whole budget lasts {lasts}.",
        },
    }


def unit_test_file(rules: str) -> dict:
    series = []
    for service, (ok, errors) in SERIES.items():
        for status, values in (("200", ok), ("500", errors)):
            assert len(values.split()) and count_values(values) == MINUTES + 1, (service, status)
            labels = f'service_name="{service}", http_response_status_code="{status}"'
            series.append({"series": f"{METRIC}{{{labels}}}", "values": values})
    return {
        "rule_files": [rules],
        "evaluation_interval": "10m",
        "tests": [
            {
                "interval": "1m",
                "input_series": series,
                "alert_rule_test": [
                    {"eval_time": at, "alertname": alert, "exp_alerts": [expected_alert(s, alert) for s in services]}
                    for (at, alert), services in EXPECTED.items()
                ],
            }
        ],
    }


def count_values(notation: str) -> int:
    """How many samples promtool expands `a+bxn` / `axn` segments into (n + 1 each)."""
    return sum(int(segment.split("x")[1]) + 1 for segment in notation.split())


def generate(out: Path, settings: dict | None, services: list[str]) -> Path:
    cmd = [str(ROOT / "scripts" / "slo-rules"), "--output", str(out)]
    if settings is not None:
        settings_file = out.with_suffix(".settings.json")
        settings_file.write_text(json.dumps(settings))
        cmd += ["--settings", str(settings_file)]
    for service in services:
        cmd += ["--service", service]
    subprocess.run(cmd, check=True)
    return out


def main() -> int:
    promtool = ensure_prometheus_tool(cache_dir(os.environ), "promtool")
    with tempfile.TemporaryDirectory(prefix="rcp-slo-rules-") as tmp:
        d = Path(tmp)
        files = [
            generate(d / "rules.yaml", None, list(SERIES)),
            generate(
                d / "prometheus-preset.yaml",
                {
                    "metrics": {"preset": "prometheus"},
                    "slo": {
                        "default": {"objectivePercent": 99.5, "periodDays": 28},
                        "overrides": {"api": {"objectivePercent": 99.99, "periodDays": 7}},
                    },
                },
                ["api", "web"],
            ),
            generate(d / "spanmetrics-preset.yaml", {"metrics": {"preset": "spanmetrics"}}, ['we"ird} or vector(1)']),
            generate(
                d / "overrides-only.yaml",
                {"slo": {"overrides": {"strict": {"objectivePercent": 100, "periodDays": 1}}}},
                [],
            ),
        ]
        subprocess.run([str(promtool), "check", "rules", *map(str, files)], check=True)
        test_file = d / "slo_rules_test.yaml"
        # JSON is YAML: no YAML writer needed.
        test_file.write_text(json.dumps(unit_test_file("rules.yaml"), indent=1, ensure_ascii=False))
        subprocess.run([str(promtool), "test", "rules", str(test_file)], check=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
