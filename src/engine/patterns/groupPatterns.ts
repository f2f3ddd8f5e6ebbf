/**
 * Groups error log lines into patterns by (route, status, message template), so the incident view
 * can say "70 % of errors are `upstream timeout after <*>` on POST /checkout, 503".
 */
import type { LineFormat } from '../logs/lineFields';
import { parseLogLine, type LogFieldMapping } from '../logs/parseLogLine';
import { TemplateMiner, type TemplateMinerOptions } from './templateMiner';
import { compareAsc } from '../values';

export interface LogLineInput {
  timestampMs: number;
  line: string;
}

export interface PatternGroup {
  /** Stable id derived from route, status and template. */
  id: string;
  template: string;
  route?: string;
  status?: string;
  count: number;
  /** Share of all error lines, 0..1. */
  share: number;
  firstSeenMs: number;
  lastSeenMs: number;
  /** The earliest line of the group (ties broken by line text). */
  sampleLine: string;
  /** How the sample line is written; the template of a JSON or logfmt line was mined from a field. */
  sampleFormat: LineFormat;
  /** Distinct trace ids in time order, at most `maxTraceIds`. */
  traceIds: string[];
}

export interface PatternGrouping {
  /** By count, descending (the first is the dominant pattern); ties by template, route, status. */
  groups: PatternGroup[];
  totalLines: number;
}

export interface GroupPatternsOptions {
  maxTraceIds?: number;
  miner?: TemplateMinerOptions;
}

const DEFAULT_MAX_TRACE_IDS = 20;

/** Pattern order everywhere: by count, descending, then template, route and status. */
export function comparePatterns(
  a: { count: number; template: string; route?: string; status?: string },
  b: { count: number; template: string; route?: string; status?: string }
): number {
  return (
    b.count - a.count ||
    compareAsc(a.template, b.template) ||
    compareAsc(a.route ?? '', b.route ?? '') ||
    compareAsc(a.status ?? '', b.status ?? '')
  );
}

/** Non-finite timestamps sort first and count as 0, so bad input cannot break the order. */
function timeOf(ms: number): number {
  return Number.isFinite(ms) ? ms : 0;
}

// FNV-1a over UTF-16 code units: short, stable ids without a crypto dependency.
function hashId(key: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}

interface Accumulator {
  key: string;
  template: string;
  route?: string;
  status?: string;
  count: number;
  firstSeenMs: number;
  lastSeenMs: number;
  sampleLine: string;
  sampleFormat: LineFormat;
  traceIds: string[];
}

/**
 * Groups lines by (route, status, template). The result does not depend on input order: lines
 * are sorted by time then text first, and the miner itself is order-independent.
 */
export function groupPatterns(
  lines: readonly LogLineInput[],
  mapping: LogFieldMapping,
  options: GroupPatternsOptions = {}
): PatternGrouping {
  const maxTraceIds = options.maxTraceIds ?? DEFAULT_MAX_TRACE_IDS;
  const sorted = lines
    .map((l) => ({ timestampMs: timeOf(l.timestampMs), line: l.line }))
    .sort((a, b) => a.timestampMs - b.timestampMs || compareAsc(a.line, b.line));
  const parsed = sorted.map((l) => parseLogLine(l.line, mapping));
  const miner = new TemplateMiner(options.miner);
  const ids = parsed.map((p) => miner.add(p.message));

  const byKey = new Map<string, Accumulator>();
  for (let i = 0; i < sorted.length; i++) {
    const p = parsed[i];
    const template = miner.template(ids[i]);
    const key = (p.route ?? '') + '\u0000' + (p.status ?? '') + '\u0000' + template;
    let acc = byKey.get(key);
    if (!acc) {
      acc = {
        key,
        template,
        route: p.route,
        status: p.status,
        count: 0,
        firstSeenMs: sorted[i].timestampMs,
        lastSeenMs: sorted[i].timestampMs,
        sampleLine: sorted[i].line,
        sampleFormat: p.format,
        traceIds: [],
      };
      byKey.set(key, acc);
    }
    acc.count++;
    acc.lastSeenMs = sorted[i].timestampMs;
    for (const t of p.traceIds) {
      if (acc.traceIds.length >= maxTraceIds) {
        break;
      }
      if (!acc.traceIds.includes(t)) {
        acc.traceIds.push(t);
      }
    }
  }

  const total = sorted.length;
  const usedIds = new Set<string>();
  const groups = [...byKey.values()].sort(comparePatterns).map((acc): PatternGroup => {
    let id = hashId(acc.key);
    // Collisions are unlikely but must not merge two groups in a UI keyed by id.
    for (let n = 2; usedIds.has(id); n++) {
      id = hashId(acc.key) + '-' + n;
    }
    usedIds.add(id);
    const group: PatternGroup = {
      id,
      template: acc.template,
      count: acc.count,
      share: acc.count / total,
      firstSeenMs: acc.firstSeenMs,
      lastSeenMs: acc.lastSeenMs,
      sampleLine: acc.sampleLine,
      sampleFormat: acc.sampleFormat,
      traceIds: acc.traceIds,
    };
    if (acc.route !== undefined) {
      group.route = acc.route;
    }
    if (acc.status !== undefined) {
      group.status = acc.status;
    }
    return group;
  });
  return { groups, totalLines: total };
}
