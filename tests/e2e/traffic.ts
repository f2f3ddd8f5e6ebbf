import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Plays traffic-generator scenarios against the stack the test host runs on (its URLs are in
 * .stack/e2e/env.json, written by tests/host/e2e_env.py).
 */
const REPO = join(__dirname, '..', '..');
const ENV_FILE = join(REPO, '.stack', 'e2e', 'env.json');

/** Against the test host there is always a stack (Playwright starts both); not against a real Grafana. */
export const hasStack = !process.env.GRAFANA_URL;

function stackUrls(): Record<string, string> {
  return JSON.parse(readFileSync(ENV_FILE, 'utf8')).stack;
}

export interface PlayedPhase {
  name: string;
  startMs: number;
  endMs: number;
}

export interface Played {
  phases: PlayedPhase[];
  events: Array<Record<string, unknown>>;
}

/** Runs a scenario to its end and returns its phases with wall-clock times. */
export function playScenario(scenario: string, durationS: number, baselineS: number): Promise<Played> {
  const urls = stackUrls();
  const python = existsSync(join(REPO, '.venv/bin/python')) ? join(REPO, '.venv/bin/python') : 'python3';
  const args = [
    '-m',
    'traffic_generator',
    '--scenario',
    scenario,
    '--duration',
    String(durationS),
    '--baseline',
    String(baselineS),
    '--rps',
    '12',
    '--seed',
    '7',
    '--target-url',
    urls.sample_app,
    '--payments-url',
    urls.payments,
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(python, args, {
      cwd: REPO,
      env: { ...process.env, PYTHONPATH: join(REPO, 'traffic-generator') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) {
        reject(new Error(`traffic generator exited ${code}: ${err.slice(-2000)}`));
        return;
      }
      const events = out
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      const starts = new Map<string, number>();
      const phases: PlayedPhase[] = [];
      for (const e of events) {
        const epochMs = Math.round(Number(e.epoch) * 1000);
        if (e.event === 'phase_start') {
          starts.set(String(e.phase), epochMs);
        } else if (e.event === 'phase_end') {
          phases.push({ name: String(e.phase), startMs: starts.get(String(e.phase)) ?? epochMs, endMs: epochMs });
        }
      }
      resolve({ phases, events });
    });
  });
}
