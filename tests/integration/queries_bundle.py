"""The plugin's query builders, engine and pipeline as a node command line
(tests/integration/queries_cli.ts), bundled with esbuild, for the integration tests and the
root-cause benchmark (benchmarks/rca_bench.py), so that both run the same bundle."""

from __future__ import annotations

import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CLI = REPO / "build" / "cli" / "queries.cjs"


def bundle_queries_cli() -> Path:
    """Bundles the command line when it is missing or older than the TypeScript it is built from."""
    sources = [REPO / "tests/integration/queries_cli.ts", *sorted((REPO / "src").rglob("*.ts"))]
    if not CLI.exists() or CLI.stat().st_mtime < max(p.stat().st_mtime for p in sources):
        subprocess.run(
            [
                "npx",
                "--no-install",
                "esbuild",
                "tests/integration/queries_cli.ts",
                "--bundle",
                "--platform=node",
                f"--outfile={CLI.relative_to(REPO)}",
                "--log-level=warning",
            ],
            cwd=REPO,
            check=True,
        )
    return CLI
