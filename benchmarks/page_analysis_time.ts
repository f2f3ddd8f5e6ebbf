/**
 * Time of the page's log analysis (`analyzeLogs`: parsing, template mining, pattern grouping,
 * line filters) for the most lines the page fetches (`validateLineLimit`: 5000), in Node as a
 * proxy for the browser (the same engine code; a browser's JIT is of the same kind).
 *
 * Usage, from the repo root:
 *   npx esbuild benchmarks/page_analysis_time.ts --bundle --platform=node --outfile=/tmp/page_analysis_time.cjs \
 *     && node /tmp/page_analysis_time.cjs [DATA_DIR]
 *
 * Inputs: 5000 raw LogHub lines (the first 500 of each `<S>_2k.log`, headers included, as Loki
 * would return them), and two hostile shapes of 5000 lines (random words sharing a first word and
 * length; 8 KiB lines of random words). "Cold" is the first call in a fresh process, as a page
 * load sees it; "warm" the median of 9 further calls.
 */
import * as fs from 'fs';
import * as path from 'path';

import { analyzeLogs } from '../src/engine/logsAnalysis';
import { DEFAULT_LOG_MAPPING, validateLineLimit } from '../src/settings/presets';

const LINES = 5000;
if (validateLineLimit(LINES) !== undefined || validateLineLimit(LINES + 1) === undefined) {
  throw new Error('the page line limit is no longer 5000: update this script');
}

const SYSTEMS = ['Android', 'Apache', 'BGL', 'HDFS', 'HPC', 'Hadoop', 'Linux', 'Spark', 'Windows', 'Zookeeper'];
const data = path.resolve(process.argv[2] ?? path.join(__dirname, '..', '..', 'shared', 'data', 'loghub'));

function lcg(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    return x >>> 8;
  };
}
function randomWords(next: () => number, count: number, length: number): string {
  const words: string[] = [];
  for (let w = 0; w < count; w++) {
    let s = '';
    for (let i = 0; i < length; i++) {
      s += String.fromCharCode(97 + (next() % 26));
    }
    words.push(s);
  }
  return words.join(' ');
}

const loghub = SYSTEMS.flatMap((s) =>
  fs
    .readFileSync(path.join(data, s, `${s}_2k.log`), 'utf8')
    .split(/\r?\n/)
    .filter((l) => l !== '')
    .slice(0, LINES / SYSTEMS.length)
);
const next = lcg(1);
const inputs: Array<[string, string[]]> = [
  ['LogHub raw lines (500 per system)', loghub],
  ['random words, same first word and length', Array.from({ length: LINES }, () => 'start ' + randomWords(next, 8, 6))],
  ['8 KiB lines of random words', Array.from({ length: LINES }, () => randomWords(next, 1024, 7).slice(0, 8192))],
];

function run(lines: string[]): number {
  const start = performance.now();
  analyzeLogs(
    {
      lines: lines.map((line, i) => ({ timestampMs: i, line })),
      totalErrorLines: lines.length,
      sampled: false,
      lineLimit: LINES,
      burst: [],
    },
    DEFAULT_LOG_MAPPING
  );
  return performance.now() - start;
}

for (const [name, lines] of inputs) {
  const cold = run(lines);
  const warm = Array.from({ length: 9 }, () => run(lines)).sort((a, b) => a - b)[4];
  process.stdout.write(`| ${name} | ${lines.length} | ${cold.toFixed(0)} ms | ${warm.toFixed(0)} ms |\n`);
}
process.stdout.write(`node ${process.version}\n`);
