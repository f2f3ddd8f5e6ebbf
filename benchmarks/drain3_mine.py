"""Mine templates with Drain3 (default TemplateMinerConfig) for the LogHub benchmark.

Usage: python benchmarks/drain3_mine.py FILE

Prints one JSON object per input line, in order: {"line": <n>, "template": "..."}, where the
template is the final template of the line's cluster, the same contract as scripts/mine-templates.
"""

import json
import sys

from drain3 import TemplateMiner
from drain3.template_miner_config import TemplateMinerConfig


def read_lines(path: str) -> list[str]:
    with open(path, "rb") as f:
        text = f.read().decode("utf-8", errors="replace")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [line.removesuffix("\r") for line in lines]


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        sys.stderr.write("usage: drain3_mine.py FILE\n")
        return 2
    # An explicit default config keeps a stray drain3.ini in the working directory out of play.
    miner = TemplateMiner(config=TemplateMinerConfig())
    cluster_ids = [miner.add_log_message(line)["cluster_id"] for line in read_lines(argv[0])]
    templates = {c.cluster_id: c.get_template() for c in miner.drain.clusters}
    out = [json.dumps({"line": i + 1, "template": templates[cid]}) + "\n" for i, cid in enumerate(cluster_ids)]
    sys.stdout.write("".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
