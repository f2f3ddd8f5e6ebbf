"""Grouping accuracy and speed of our template miner against Drain3 on LogHub 2k.

Usage (from the repo root, after `python3 -m venv .venv && .venv/bin/pip install -r
requirements-dev.txt`):

    .venv/bin/python benchmarks/loghub_bench.py [DATA_DIR] [--reps N]

DATA_DIR defaults to ../shared/data/loghub relative to the repo root. Both tools get the same
input: the `Content` column of each `<S>_2k.log_structured_corrected.csv` (the message with the
log header stripped), one message per line. Grouping accuracy (GA) counts a line as correct when
the set of lines in its predicted group equals the set of lines sharing its true template.
Speed is measured on whole processes (start-up included) over all systems' messages concatenated
into one file; the median of N runs is reported. The start-up floor of each tool (the same
process on an empty file) is measured too, to show how much of each run is start-up.
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


def load_system(data: Path, system: str) -> tuple[list[str], list[str]]:
    path = data / system / f"{system}_2k.log_structured_corrected.csv"
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return [r["Content"] for r in rows], [r["EventTemplate"] for r in rows]


def write_messages(path: Path, messages: list[str]) -> None:
    # Messages never hold line breaks in these sets; guard anyway so line numbers stay aligned.
    clean = (m.replace("\r", " ").replace("\n", " ") for m in messages)
    path.write_text("".join(m + "\n" for m in clean), encoding="utf-8")


def run_tool(cmd: list[str], path: Path) -> list[str]:
    proc = subprocess.run([*cmd, str(path)], capture_output=True, check=True, text=True)
    templates = []
    for n, raw in enumerate(proc.stdout.splitlines(), start=1):
        record = json.loads(raw)
        if record["line"] != n:
            raise RuntimeError(f"{cmd[-1]}: record {n} has line {record['line']}")
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


def time_tool(cmd: list[str], path: Path, reps: int) -> float:
    subprocess.run([*cmd, str(path)], stdout=subprocess.DEVNULL, check=True)  # warm-up
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        subprocess.run([*cmd, str(path)], stdout=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", nargs="?", default=str(REPO / ".." / "shared" / "data" / "loghub"))
    parser.add_argument("--reps", type=int, default=5, help="timed runs per tool (median)")
    args = parser.parse_args()
    data = Path(args.data).resolve()
    command = " ".join(shlex.quote(a) for a in [os.path.relpath(sys.executable, REPO), *sys.argv])

    rows = []
    corpus: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        for system in SYSTEMS:
            messages, truth = load_system(data, system)
            corpus.extend(messages)
            path = Path(tmp) / f"{system}.txt"
            write_messages(path, messages)
            ours = grouping_accuracy(run_tool(OURS, path), truth)
            drain3 = grouping_accuracy(run_tool(DRAIN3, path), truth)
            rows.append((system, ours, drain3))
        corpus_path = Path(tmp) / "corpus.txt"
        write_messages(corpus_path, corpus)
        empty_path = Path(tmp) / "empty.txt"
        write_messages(empty_path, [])
        ours_s = time_tool(OURS, corpus_path, args.reps)
        drain3_s = time_tool(DRAIN3, corpus_path, args.reps)
        ours_empty_s = time_tool(OURS, empty_path, args.reps)
        drain3_empty_s = time_tool(DRAIN3, empty_path, args.reps)

    print("| System | GA ours | GA Drain3 |")
    print("| --- | ---: | ---: |")
    for system, ours, drain3 in rows:
        print(f"| {system} | {ours:.3f} | {drain3:.3f} |")
    mean_ours = statistics.mean(r[1] for r in rows)
    mean_drain3 = statistics.mean(r[2] for r in rows)
    print(f"| **Mean** | **{mean_ours:.3f}** | **{mean_drain3:.3f}** |")
    print()
    n = len(corpus)
    print(f"Speed, whole processes over {n} messages, median of {args.reps} runs:")
    print()
    print("| Tool | Seconds | Lines/s | Start-up (empty file), s | Lines/s net of start-up |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, total, empty in (
        ("ours (scripts/mine-templates)", ours_s, ours_empty_s),
        ("Drain3 0.9.11 (default config)", drain3_s, drain3_empty_s),
    ):
        net = max(total - empty, 1e-9)
        print(f"| {name} | {total:.3f} | {n / total:,.0f} | {empty:.3f} | {n / net:,.0f} |")
    print()
    print(f"Speed ratio ours / Drain3, whole processes: {drain3_s / ours_s:.1f}x")
    net_ratio = max(drain3_s - drain3_empty_s, 1e-9) / max(ours_s - ours_empty_s, 1e-9)
    print(f"Speed ratio ours / Drain3, net of start-up: {net_ratio:.1f}x")
    print()
    node = subprocess.run(["node", "--version"], capture_output=True, text=True, check=True).stdout.strip()
    print(f"Machine: {os.cpu_count()} cores, {platform.platform()}; node {node}, Python {platform.python_version()}")
    print(f"Command: {command}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
