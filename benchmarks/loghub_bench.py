"""Grouping accuracy and speed of our template miner against Drain3 on LogHub 2k.

Usage (from the repo root, after `python3 -m venv .venv && .venv/bin/pip install -r
requirements-dev.txt`):

    .venv/bin/python benchmarks/loghub_bench.py [DATA_DIR] [--reps N]

DATA_DIR defaults to ../shared/data/loghub relative to the repo root. Both tools get the same
input: the `Content` column of each `<S>_2k.log_structured_corrected.csv` (the message with the
log header stripped), one message per line. Grouping accuracy (GA) counts a line as correct when
the set of lines in its predicted group equals the set of lines sharing its true template.
Speed is measured on whole processes (start-up included) over all systems' messages concatenated
into one file: ours as users run it (`scripts/mine-templates`, under Bun when the optional
dependency is installed), ours forced onto Node (MINE_TEMPLATES_RUNTIME=node) and Drain3. The runs
are interleaved (A B C A B C ...) so that load from other jobs on a shared machine falls on all
three alike, and the median of N runs is reported. The start-up floor of each (the same process
on an empty file) is measured the same way, to show how much of each run is start-up.
"""

import argparse
import csv
import json
import os
import platform
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SYSTEMS = [
    "Android",
    "Apache",
    "BGL",
    "HDFS",
    "HPC",
    "Hadoop",
    "Linux",
    "Spark",
    "Windows",
    "Zookeeper",
]
OURS = [str(REPO / "scripts" / "mine-templates")]
DRAIN3 = [sys.executable, str(REPO / "benchmarks" / "drain3_mine.py")]
BUN = REPO / "node_modules" / "@oven" / "bun-linux-x64" / "bin" / "bun"


@dataclass
class Tool:
    name: str
    cmd: list[str]
    env: dict[str, str] = field(default_factory=dict)

    def run(self, path: Path, **kwargs) -> subprocess.CompletedProcess:
        env = {**os.environ, **self.env} if self.env else None
        return subprocess.run([*self.cmd, str(path)], env=env, check=True, **kwargs)

    def shell(self) -> str:
        """The command as one would type it from the repo root."""
        words = [f"{k}={v}" for k, v in self.env.items()]
        words += [os.path.relpath(a, REPO) if a.startswith(str(REPO)) else a for a in self.cmd]
        return " ".join(shlex.quote(w) for w in words) + " FILE"


def load_system(data: Path, system: str) -> tuple[list[str], list[str]]:
    path = data / system / f"{system}_2k.log_structured_corrected.csv"
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return [r["Content"] for r in rows], [r["EventTemplate"] for r in rows]


def write_messages(path: Path, messages: list[str]) -> None:
    # Messages never hold line breaks in these sets; guard anyway so line numbers stay aligned.
    clean = (m.replace("\r", " ").replace("\n", " ") for m in messages)
    path.write_text("".join(m + "\n" for m in clean), encoding="utf-8")


def run_tool(tool: Tool, path: Path) -> list[str]:
    proc = tool.run(path, capture_output=True, text=True)
    templates = []
    for n, raw in enumerate(proc.stdout.splitlines(), start=1):
        record = json.loads(raw)
        if record["line"] != n:
            raise RuntimeError(f"{tool.name}: record {n} has line {record['line']}")
        templates.append(record["template"])
    return templates


def grouping_accuracy(predicted: list[str], truth: list[str]) -> float:
    if len(predicted) != len(truth):
        raise RuntimeError(f"expected {len(truth)} templates, got {len(predicted)}")
    groups: dict[str, list[int]] = defaultdict(list)
    for i, template in enumerate(predicted):
        groups[template].append(i)
    truth_sizes = Counter(truth)
    correct = 0
    for members in groups.values():
        labels = {truth[i] for i in members}
        if len(labels) == 1 and truth_sizes[truth[members[0]]] == len(members):
            correct += len(members)
    return correct / len(truth)


def time_tools(tools: list[Tool], path: Path, reps: int) -> list[list[float]]:
    """Wall times of each tool on `path`, `reps` rounds; runs interleaved so load hits all alike."""
    for tool in tools:
        tool.run(path, stdout=subprocess.DEVNULL)  # warm-up: file cache, bundle build
    times: list[list[float]] = [[] for _ in tools]
    for _ in range(reps):
        for tool, samples in zip(tools, times, strict=True):
            start = time.perf_counter()
            tool.run(path, stdout=subprocess.DEVNULL)
            samples.append(time.perf_counter() - start)
    return times


def version(cmd: list[str]) -> str:
    try:
        return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "not installed"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", nargs="?", default=str(REPO / ".." / "shared" / "data" / "loghub"))
    parser.add_argument("--reps", type=int, default=9, help="timed runs per tool (median)")
    args = parser.parse_args()
    data = Path(args.data).resolve()
    command = " ".join(shlex.quote(a) for a in [os.path.relpath(sys.executable, REPO), *sys.argv])

    runtime = "bun" if BUN.exists() else "node"
    tools = [
        Tool(f"ours, scripts/mine-templates ({runtime})", OURS),
        Tool("ours, scripts/mine-templates (node)", OURS, {"MINE_TEMPLATES_RUNTIME": "node"}),
        Tool("Drain3 0.9.11 (default config)", DRAIN3),
    ]

    rows = []
    corpus: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        for system in SYSTEMS:
            messages, truth = load_system(data, system)
            corpus.extend(messages)
            path = Path(tmp) / f"{system}.txt"
            write_messages(path, messages)
            ours = run_tool(tools[0], path)
            if run_tool(tools[1], path) != ours:
                raise RuntimeError(f"{system}: Bun and Node runs of the miner disagree")
            drain3 = grouping_accuracy(run_tool(tools[2], path), truth)
            rows.append((system, grouping_accuracy(ours, truth), drain3))
        corpus_path = Path(tmp) / "corpus.txt"
        write_messages(corpus_path, corpus)
        empty_path = Path(tmp) / "empty.txt"
        write_messages(empty_path, [])
        load_before = os.getloadavg()
        total_runs = time_tools(tools, corpus_path, args.reps)
        empty_runs = time_tools(tools, empty_path, args.reps)
        load_after = os.getloadavg()

    print("| System | GA ours | GA Drain3 |")
    print("| --- | ---: | ---: |")
    for system, ours, drain3 in rows:
        print(f"| {system} | {ours:.3f} | {drain3:.3f} |")
    mean_ours = statistics.mean(r[1] for r in rows)
    mean_drain3 = statistics.mean(r[2] for r in rows)
    print(f"| **Mean** | **{mean_ours:.3f}** | **{mean_drain3:.3f}** |")
    print()
    n = len(corpus)
    print(f"Speed, whole processes over {n} messages, median of {args.reps} interleaved runs:")
    print()
    totals = [statistics.median(t) for t in total_runs]
    empties = [statistics.median(t) for t in empty_runs]
    print("| Tool | Seconds | Lines/s | Start-up (empty file), s | Lines/s net of start-up |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for tool, total, empty in zip(tools, totals, empties, strict=True):
        net = max(total - empty, 1e-9)
        print(f"| {tool.name} | {total:.3f} | {n / total:,.0f} | {empty:.3f} | {n / net:,.0f} |")
    print()
    drain3_s, drain3_empty_s = totals[2], empties[2]
    for i, (tool, total, empty) in enumerate(zip(tools[:2], totals[:2], empties[:2], strict=True)):
        net_ratio = max(drain3_s - drain3_empty_s, 1e-9) / max(total - empty, 1e-9)
        # Also per round (the runs of one round saw about the same load): median and range.
        rounds = sorted(d / o for d, o in zip(total_runs[2], total_runs[i], strict=True))
        print(
            f"Speed ratio {tool.name} / Drain3: {drain3_s / total:.1f}x whole processes,"
            f" {net_ratio:.1f}x net of start-up; per round: median {statistics.median(rounds):.1f}x,"
            f" {rounds[0]:.1f}x to {rounds[-1]:.1f}x"
        )
    print()
    node = version(["node", "--version"])
    bun = version([str(BUN), "--version"])
    print(
        f"Machine: {os.cpu_count()} cores, {platform.platform()};"
        f" node {node}, bun {bun}, Python {platform.python_version()}"
    )
    print("Load average (1, 5, 15 min) before timing: {:.2f} {:.2f} {:.2f}".format(*load_before))
    print("Load average (1, 5, 15 min) after timing: {:.2f} {:.2f} {:.2f}".format(*load_after))
    print(f"Command: {command}")
    print("Timed commands, from the repo root:")
    for tool in tools:
        print(f"  {tool.name}: {tool.shell()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
