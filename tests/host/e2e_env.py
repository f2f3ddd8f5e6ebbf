"""The environment of the browser tests: the native stack without traffic, then the test host.

Playwright starts this as its web server (playwright.config.ts) and stops it with SIGTERM at
the end; it runs in the foreground until then. What the specs need to drive the stack (the
sample services' URLs for the traffic generator) goes to <state>/env.json.

    python tests/host/e2e_env.py --grafana-version 11.6|latest [--listen 127.0.0.1:3500]

The stack runs from .stack/e2e with ports shifted by RCP_PORT_OFFSET (500 unless set), so it
never meets a developer's stack or the integration tests'. RCP_E2E_STACK_URLS=<file> uses an
already running stack instead (the JSON `python -m stack up` prints); RCP_E2E_PLUGINHOST=<binary>
a plugin host built beforehand (scripts/test-e2e.sh does both).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
STATE = REPO / ".stack" / "e2e"
# A port nothing listens on: the datasource the "datasource down" flow selects.
UNREACHABLE_URL = "http://127.0.0.1:9"


def stack_env() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("RCP_PORT_OFFSET", "500")
    env["RCP_STACK_DIR"] = str(STATE / "stack")
    return env


def run_stack(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "stack", *args],
        cwd=REPO,
        env=stack_env(),
        capture_output=True,
        text=True,
        check=False,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--grafana-version", default="11.6")
    parser.add_argument("--listen", default="127.0.0.1:3500")
    args = parser.parse_args()
    host_state = STATE / f"host-{args.grafana_version}"

    own_stack = "RCP_E2E_STACK_URLS" not in os.environ
    if own_stack:
        run_stack("down")
        up = run_stack("up", "--no-traffic", "--no-host")
        if up.returncode != 0:
            sys.exit(f"stack up failed ({up.returncode}):\n{up.stderr[-4000:]}")
        urls = json.loads(up.stdout)
    else:
        urls = json.loads(Path(os.environ["RCP_E2E_STACK_URLS"]).read_text())

    # The shell of this Grafana version, from the sources as they are now (a few seconds).
    subprocess.run(["node", str(REPO / "tests/host/build_shell.mjs"), args.grafana_version], cwd=REPO, check=True)
    # A fresh host state per run: the specs expect no incidents and the provisioned settings.
    subprocess.run(["rm", "-rf", str(host_state)], check=True)
    host_state.mkdir(parents=True)
    (STATE / "env.json").write_text(json.dumps({"stack": urls, "hostState": str(host_state)}, indent=2))
    host = subprocess.Popen(
        [
            sys.executable,
            str(REPO / "tests/host/serve.py"),
            "--listen",
            args.listen,
            "--dist",
            str(REPO / "dist"),
            "--state-dir",
            str(host_state),
            "--prometheus-url",
            urls["prometheus"],
            "--loki-url",
            urls["loki"],
            "--tempo-url",
            urls["tempo"],
            "--unreachable-loki-url",
            UNREACHABLE_URL,
            "--grafana-version",
            args.grafana_version,
            *(["--pluginhost", os.environ["RCP_E2E_PLUGINHOST"]] if "RCP_E2E_PLUGINHOST" in os.environ else []),
        ],
        cwd=REPO,
    )

    def stop(*_args) -> None:
        host.terminate()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        host.wait()
    finally:
        if own_stack:
            run_stack("down")


if __name__ == "__main__":
    main()
