"""Grouping accuracy, generality and speed of our template miner against Drain3 on LogHub 2k.

Usage (from the repo root, after `npm ci` and `python3 -m venv .venv && .venv/bin/pip install -r
requirements-dev.txt`):

    .venv/bin/python benchmarks/loghub_bench.py [DATA_DIR] [--reps N] [--big-reps N]
        [--hostile-lines N] [--skip-hostile]

DATA_DIR defaults to ../shared/data/loghub relative to the repo root. Both tools get the same
input: the `Content` column of each `<S>_2k.log_structured_corrected.csv` (the message with the
log header stripped), one message per line.

Accuracy, per system and as the mean over the ten:
- GA (grouping accuracy): a line is correct when the set of lines in its predicted group equals
  the set of lines sharing its true template.
- FGA (grouping F1, as in Loghub-2.0): a predicted group is correct when its lines are exactly the
  lines of one true template; precision = correct groups / predicted groups, recall = correct
  groups / true templates, FGA their harmonic mean.
- PTA / RTA (template accuracy): a correct group whose template also equals the true one token for
  token, every token holding `<*>` counting as `<*>` and runs of `<*>` as one (so `/<*>:<*>` in the
  truth and our `<*>` agree); over predicted groups (PTA) and over true templates (RTA).
- In-sample: the miner's default configuration (the plugin's; chosen on these ten). Leave-one-out:
  for each system, the thresholds are chosen from a small grid (`GRID`) by mean GA on the other
  nine, and the tenth is scored with them. A change that raises the in-sample mean and lowers the
  held-out mean is a regression.

Speed, whole processes (start-up included): ours as users run it (`scripts/mine-templates`, under
Bun when the optional dependency is installed), ours forced onto Node (MINE_TEMPLATES_RUNTIME=node)
and Drain3, interleaved (A B C A B C ...) so that load from other jobs falls on all alike, median
of N runs; on the ten systems' 20,000 messages concatenated, and on a large corpus: that file
repeated `BIG_COPIES` times, copy k with every digit run n written as n + k (so the copies are not
the same lines: no cache sees a repeat that the original did not have). The start-up floor of each
tool (an empty file) is measured the same way on the small corpus.

Hostile inputs: generated shapes of `--hostile-lines` lines of at most 8 KiB each, mined by
`scripts/mine-templates` (as users run it) under `/usr/bin/time -v`: wall time and peak memory of
the whole process. The target is under 5 s and 500 MB for 200,000 lines.
"""

import argparse
import csv
import json
import os
import platform
import random
import re
import shlex
import statistics
import string
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
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
# The miner's tunable thresholds; the first entry is the default configuration.
GRID: list[dict[str, float]] = [
    {"similarity-threshold": s, "min-distinct-values": v} for s in (0.9, 0.8, 1.01) for v in (3, 2, 4)
]
BIG_COPIES = 15
MAX_LINE_BYTES = 8192


@dataclass
class Tool:
    name: str
    cmd: list[str]
    env: dict[str, str] = field(default_factory=dict)

    def run(self, path: Path, args: tuple[str, ...] = (), **kwargs) -> subprocess.CompletedProcess:
        env = {**os.environ, **self.env} if self.env else None
        return subprocess.run([*self.cmd, *args, str(path)], env=env, check=True, **kwargs)

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


def run_tool(tool: Tool, path: Path, args: tuple[str, ...] = ()) -> list[str]:
    proc = tool.run(path, args, capture_output=True, text=True)
    templates = []
    for n, raw in enumerate(proc.stdout.splitlines(), start=1):
        record = json.loads(raw)
        if record["line"] != n:
            raise RuntimeError(f"{tool.name}: record {n} has line {record['line']}")
        templates.append(record["template"])
    return templates


@dataclass
class Scores:
    ga: float
    fga: float
    pta: float
    rta: float


def normalized(template: str) -> list[str]:
    out: list[str] = []
    for word in template.split():
        token = "<*>" if "<*>" in word else word
        if not (token == "<*>" and out and out[-1] == "<*>"):
            out.append(token)
    return out


def score(predicted: list[str], truth: list[str]) -> Scores:
    if len(predicted) != len(truth):
        raise RuntimeError(f"expected {len(truth)} templates, got {len(predicted)}")
    groups: dict[str, list[int]] = defaultdict(list)
    for i, template in enumerate(predicted):
        groups[template].append(i)
    truth_sizes = Counter(truth)
    correct_lines = correct_groups = correct_templates = 0
    for template, members in groups.items():
        labels = {truth[i] for i in members}
        if len(labels) == 1 and truth_sizes[truth[members[0]]] == len(members):
            correct_lines += len(members)
            correct_groups += 1
            correct_templates += normalized(template) == normalized(truth[members[0]])
    precision, recall = correct_groups / len(groups), correct_groups / len(truth_sizes)
    fga = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Scores(
        correct_lines / len(truth),
        fga,
        correct_templates / len(groups),
        correct_templates / len(truth_sizes),
    )


def config_args(config: dict[str, float]) -> tuple[str, ...]:
    return tuple(f"--{k}={v:g}" for k, v in config.items())


def config_label(config: dict[str, float]) -> str:
    sim = config["similarity-threshold"]
    return f"sim {'off' if sim > 1 else f'{sim:g}'}, values {config['min-distinct-values']:g}"


def leave_one_out(ga: dict[tuple[int, str], float]) -> list[tuple[str, int]]:
    """Per held-out system, the grid entry with the best mean GA on the other nine (first wins)."""
    chosen = []
    for held_out in SYSTEMS:
        others = [s for s in SYSTEMS if s != held_out]
        means = [statistics.mean(ga[(c, s)] for s in others) for c in range(len(GRID))]
        chosen.append((held_out, max(range(len(GRID)), key=lambda c: (means[c], -c))))
    return chosen


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


def big_corpus(messages: list[str]) -> list[str]:
    digits = re.compile(r"[0-9]+")
    out = []
    for k in range(BIG_COPIES):
        out.extend(digits.sub(lambda m, k=k: str(int(m.group()) + k), m) for m in messages)
    return out


def hostile_shapes() -> dict[str, Callable[[random.Random], bytes]]:
    """Adversarial line generators (bytes, at most 8 KiB a line, no line breaks)."""
    lower = string.ascii_lowercase.encode()
    alnum = (string.ascii_lowercase + string.digits).encode()
    to_lower = bytes(lower[b % len(lower)] for b in range(256))
    to_alnum = bytes(alnum[b % len(alnum)] for b in range(256))

    def spaced(rng: random.Random, table: bytes, words: int, length: int) -> bytes:
        line = bytearray(rng.randbytes(words * (length + 1) - 1).translate(table))
        line[length :: length + 1] = b" " * (words - 1)
        return bytes(line)

    def digit_shapes(rng: random.Random) -> bytes:
        return " ".join("k" + "9" * rng.randint(1, 9) + "x" for _ in range(12)).encode()

    def unicode_words(rng: random.Random) -> bytes:
        cjk = (chr(rng.randint(0x4E00, 0x9FFF)) for _ in range(40))
        text = "".join(cjk)
        return " ".join(text[i : i + 4] for i in range(0, 40, 4)).encode()

    return {
        "random lower-case words, same first word and length": lambda r: b"start " + spaced(r, to_lower, 8, 6),
        "random alphanumerics": lambda r: spaced(r, to_alnum, 10, 8),
        "one line repeated": lambda r: b"connection reset by peer while reading response header",
        "distinct digit shapes": digit_shapes,
        "unicode (CJK) words": unicode_words,
        "8 KiB of one-letter words": lambda r: spaced(r, to_lower, 4096, 1)[:MAX_LINE_BYTES],
        "one 8 KiB word": lambda r: r.randbytes(MAX_LINE_BYTES).translate(to_lower),
        "8 KiB of random 7-letter words": lambda r: spaced(r, to_lower, 1024, 7),
        "8 KiB of random alphanumerics": lambda r: spaced(r, to_alnum, 1024, 7),
    }


def write_hostile(path: Path, make: Callable[[random.Random], bytes], lines: int) -> int:
    rng = random.Random(1)
    size = 0
    with path.open("wb") as f:
        for _ in range(lines):
            line = make(rng)
            size += len(line) + 1
            f.write(line + b"\n")
    return size


def time_v(tool: Tool, path: Path) -> tuple[float, int]:
    """Wall seconds and peak resident memory (KiB) of one run, from /usr/bin/time -v."""
    env = {**os.environ, **tool.env}
    proc = subprocess.run(
        ["/usr/bin/time", "-v", *tool.cmd, str(path)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        check=True,
    )
    wall = re.search(r"Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):([\d.]+)", proc.stderr)
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr)
    if not wall or not rss:
        raise RuntimeError(f"unexpected /usr/bin/time output: {proc.stderr[-500:]}")
    hours, minutes, seconds = wall.groups()
    return int(hours or 0) * 3600 + int(minutes) * 60 + float(seconds), int(rss.group(1))


def version(cmd: list[str]) -> str:
    try:
        return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "not installed"


def table(header: list[str], rows: Iterator[list[str]] | list[list[str]]) -> None:
    print("| " + " | ".join(header) + " |")
    print("| " + " | ".join(["---"] + ["---:"] * (len(header) - 1)) + " |")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    print()


def speed_report(tools: list[Tool], runs: list[list[float]], lines: int, empties: list[float]) -> None:
    totals = [statistics.median(t) for t in runs]
    header = ["Tool", "Seconds", "Lines/s"]
    if empties:
        header += ["Start-up (empty file), s", "Lines/s net of start-up"]
    rows = []
    for i, (tool, total) in enumerate(zip(tools, totals, strict=True)):
        row = [tool.name, f"{total:.3f}", f"{lines / total:,.0f}"]
        if empties:
            # Under heavy load an empty run can take longer than a full one: then there is no net figure.
            net = f"{lines / (total - empties[i]):,.0f}" if total > empties[i] else "n/a"
            row += [f"{empties[i]:.3f}", net]
        rows.append(row)
    table(header, rows)
    drain3 = len(tools) - 1
    for i, tool in enumerate(tools[:drain3]):
        # Also per round (the runs of one round saw about the same load): median and range.
        rounds = sorted(d / o for d, o in zip(runs[drain3], runs[i], strict=True))
        print(
            f"Speed ratio {tool.name} / Drain3: {totals[drain3] / totals[i]:.1f}x whole processes;"
            f" per round: median {statistics.median(rounds):.1f}x, {rounds[0]:.1f}x to {rounds[-1]:.1f}x"
        )
    print()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", nargs="?", default=str(REPO / ".." / "shared" / "data" / "loghub"))
    parser.add_argument("--reps", type=int, default=9, help="timed runs per tool, 20k corpus")
    parser.add_argument("--big-reps", type=int, default=3, help="timed runs per tool, big corpus")
    parser.add_argument("--hostile-lines", type=int, default=200000)
    parser.add_argument("--skip-hostile", action="store_true")
    args = parser.parse_args()
    data = Path(args.data).resolve()
    command = " ".join(shlex.quote(a) for a in [os.path.relpath(sys.executable, REPO), *sys.argv])

    runtime = "bun" if BUN.exists() else "node"
    ours = Tool(f"ours, scripts/mine-templates ({runtime})", OURS)
    ours_node = Tool("ours, scripts/mine-templates (node)", OURS, {"MINE_TEMPLATES_RUNTIME": "node"})
    drain3 = Tool("Drain3 0.9.11 (default config)", DRAIN3)
    tools = [ours, ours_node, drain3]

    ga: dict[tuple[int, str], float] = {}
    scores: dict[tuple[int, str], Scores] = {}
    drain3_scores: dict[str, Scores] = {}
    corpus: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        for system in SYSTEMS:
            messages, truth = load_system(data, system)
            corpus.extend(messages)
            path = Path(tmp) / f"{system}.txt"
            write_messages(path, messages)
            default = run_tool(ours, path)
            if run_tool(ours_node, path) != default:
                raise RuntimeError(f"{system}: Bun and Node runs of the miner disagree")
            for c, config in enumerate(GRID):
                predicted = default if c == 0 else run_tool(ours, path, config_args(config))
                scores[(c, system)] = score(predicted, truth)
                ga[(c, system)] = scores[(c, system)].ga
            drain3_scores[system] = score(run_tool(drain3, path), truth)

        corpus_path = Path(tmp) / "corpus.txt"
        write_messages(corpus_path, corpus)
        big_path = Path(tmp) / "big.txt"
        big = big_corpus(corpus)
        write_messages(big_path, big)
        empty_path = Path(tmp) / "empty.txt"
        write_messages(empty_path, [])
        load_before = os.getloadavg()
        small_runs = time_tools(tools, corpus_path, args.reps)
        empty_runs = time_tools(tools, empty_path, args.reps)
        big_runs = time_tools([ours, drain3], big_path, args.big_reps)
        load_after_speed = os.getloadavg()

        hostile = []
        if not args.skip_hostile:
            for name, make in hostile_shapes().items():
                path = Path(tmp) / "hostile.txt"
                size = write_hostile(path, make, args.hostile_lines)
                seconds, rss = time_v(ours, path)
                hostile.append((name, size, seconds, rss))
                path.unlink()
        load_after = os.getloadavg()

    print("In-sample (default configuration: " + config_label(GRID[0]) + "):")
    print()
    rows = []
    for system in SYSTEMS:
        o, d = scores[(0, system)], drain3_scores[system]
        rows.append([system] + [f"{x:.3f}" for x in (o.ga, d.ga, o.fga, d.fga, o.pta, o.rta, d.pta, d.rta)])
    means = [statistics.mean(getattr(scores[(0, s)], f) for s in SYSTEMS) for f in ("ga", "fga", "pta", "rta")]
    dmeans = [statistics.mean(getattr(drain3_scores[s], f) for s in SYSTEMS) for f in ("ga", "fga", "pta", "rta")]
    cells = [means[0], dmeans[0], means[1], dmeans[1], means[2], means[3], dmeans[2], dmeans[3]]
    rows.append(["**Mean**"] + [f"**{x:.3f}**" for x in cells])
    header = ["System", "GA ours", "GA Drain3", "FGA ours", "FGA Drain3"]
    table([*header, "PTA ours", "RTA ours", "PTA Drain3", "RTA Drain3"], rows)

    print("Leave-one-out (thresholds chosen on the other nine from the grid, by mean GA):")
    print()
    rows = []
    held = []
    for system, c in leave_one_out(ga):
        s = scores[(c, system)]
        held.append(s)
        rows.append([system, config_label(GRID[c]), f"{s.ga:.3f}", f"{s.fga:.3f}", f"{scores[(0, system)].ga:.3f}"])
    mean_ga, mean_fga = statistics.mean(s.ga for s in held), statistics.mean(s.fga for s in held)
    rows.append(["**Mean**", "", f"**{mean_ga:.3f}**", f"**{mean_fga:.3f}**", f"**{means[0]:.3f}**"])
    table(["Held-out system", "Chosen on the other nine", "GA held out", "FGA held out", "GA in-sample"], rows)
    grid_rows = [
        [config_label(cfg), f"{statistics.mean(ga[(c, s)] for s in SYSTEMS):.3f}"] for c, cfg in enumerate(GRID)
    ]
    print("Mean GA over the ten per grid entry:")
    print()
    table(["Configuration", "Mean GA"], grid_rows)

    print(f"Speed, whole processes over {len(corpus):,} messages, median of {args.reps} interleaved runs:")
    print()
    speed_report(tools, small_runs, len(corpus), [statistics.median(t) for t in empty_runs])
    print(
        f"Speed, whole processes over {len(big):,} messages ({BIG_COPIES} copies of the corpus,"
        f" digits shifted per copy), median of {args.big_reps} interleaved runs:"
    )
    print()
    speed_report([ours, drain3], big_runs, len(big), [])

    if hostile:
        print(f"Hostile inputs, {args.hostile_lines:,} lines each, {ours.shell()} under /usr/bin/time -v:")
        print()
        rows = [[n, f"{size / 2**20:,.0f}", f"{sec:.2f}", f"{rss / 1024:,.0f}"] for n, size, sec, rss in hostile]
        table(["Shape", "File, MiB", "Seconds", "Peak RSS, MiB"], rows)

    node = version(["node", "--version"])
    bun = version([str(BUN), "--version"])
    print(
        f"Machine: {os.cpu_count()} cores, {platform.platform()};"
        f" node {node}, bun {bun}, Python {platform.python_version()}"
    )
    print("Load average (1, 5, 15 min) before timing: {:.2f} {:.2f} {:.2f}".format(*load_before))
    print("Load average after the speed runs: {:.2f} {:.2f} {:.2f}".format(*load_after_speed))
    print("Load average after the hostile runs: {:.2f} {:.2f} {:.2f}".format(*load_after))
    print(f"Command: {command}")
    print("Timed commands, from the repo root:")
    for tool in tools:
        print(f"  {tool.name}: {tool.shell()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
