/**
 * Entry point of `scripts/slo-rules`: prints the Prometheus rule file of the SLO burn-rate alerts,
 * built by the same module the Overview page downloads from (src/data/prometheus/sloRules.ts).
 */
import { readFileSync, writeFileSync } from 'fs';
import { sloRuleFile } from '../../src/data/prometheus/sloRules';
import { resolveSettings, sloFor, validateObjective } from '../../src/settings/presets';
import type { AppSettings } from '../../src/settings/types';

const USAGE = `Usage: scripts/slo-rules [--settings FILE] [--service NAME]... [--output FILE]

Prints Prometheus recording and alerting rules (Sloth's recording-rule names) for the four
multi-window, multi-burn-rate alerts of each service's objective.
  --settings FILE  the plugin's jsonData as JSON (or an object with a "jsonData" key, as Grafana's
                   /api/plugins/rcp-reliability-app/settings returns it); defaults apply without it
  --service NAME   a service to generate rules for (repeatable); without any, the services that
                   have an objective override in the settings
  --output FILE    write the rules there instead of standard output`;

class UsageError extends Error {}

function parse(argv: string[]): { settings?: string; services: string[]; output?: string } {
  const out: { settings?: string; services: string[]; output?: string } = { services: [] };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[i + 1];
    if (flag === '-h' || flag === '--help') {
      throw new UsageError('');
    }
    if (value === undefined || !['--settings', '--service', '--output'].includes(flag)) {
      throw new UsageError(`unexpected argument ${flag}`);
    }
    i++;
    if (flag === '--service') {
      out.services.push(value);
    } else {
      out[flag === '--settings' ? 'settings' : 'output'] = value;
    }
  }
  return out;
}

function readSettings(file: string | undefined): AppSettings {
  if (!file) {
    return resolveSettings(undefined);
  }
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as { jsonData?: Partial<AppSettings> } & Partial<AppSettings>;
  return resolveSettings(parsed.jsonData ?? parsed);
}

function main(): number {
  try {
    const args = parse(process.argv.slice(2));
    const settings = readSettings(args.settings);
    const services = args.services.length > 0 ? args.services : Object.keys(settings.slo.overrides);
    if (services.length === 0) {
      throw new UsageError('no service: name one with --service, or give settings with objective overrides');
    }
    const targets = services.map((service) => {
      const objective = sloFor(settings, service);
      const invalid = validateObjective(objective);
      if (invalid) {
        throw new UsageError(`objective of ${service}: ${invalid}`);
      }
      return { service, objective };
    });
    const rules = sloRuleFile(settings.metrics, targets);
    if (args.output) {
      writeFileSync(args.output, rules);
    } else {
      process.stdout.write(rules);
    }
    return 0;
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    if (e instanceof UsageError && message === '') {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    }
    process.stderr.write(e instanceof UsageError ? `slo-rules: ${message}\n\n${USAGE}\n` : `slo-rules: ${message}\n`);
    return 2;
  }
}

process.exitCode = main();
