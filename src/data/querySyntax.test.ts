/**
 * Every LogQL and TraceQL text the plugin builds parses with Grafana's own grammars
 * (@grafana/lezer-logql, @grafana/lezer-traceql), for every preset and for generated settings.
 * The native test stack runs API doubles of Loki and Tempo, so their parsers are not Loki's and
 * Tempo's: this test is what checks our syntax against the real languages.
 */
import fc from 'fast-check';
import { parser as logqlParser } from '@grafana/lezer-logql';
import { parser as traceqlParser } from '@grafana/lezer-traceql';
import type { Tree } from '@lezer/common';
import { WILDCARD } from '../engine/patterns/templateMiner';
import { quoteLogQL, templateLineFilter } from '../engine/patterns/templateFilter';
import { DEFAULT_LOG_MAPPING, METRIC_PRESETS, resolveSettings } from '../settings/presets';
import type { LogMapping } from '../settings/types';
import { errorBurstExpr, errorCountExpr, errorLinesExpr, patternCountExpr, streamSelector } from './loki/queries';
import { errorTracesTraceQL } from './tempo/queries';

/** The first error node of a parse, as `offset: text`, or undefined when there is none. */
function firstError(tree: Tree, text: string): string | undefined {
  let found: string | undefined;
  tree.iterate({
    enter: (node) => {
      if (found === undefined && node.type.isError) {
        found = `${node.from}: ${JSON.stringify(text.slice(Math.max(0, node.from - 10), node.to + 10))}`;
      }
      return found === undefined;
    },
  });
  return found;
}

function expectLogQL(expr: string) {
  expect({ expr, error: firstError(logqlParser.parse(expr), expr) }).toEqual({ expr, error: undefined });
}

function expectTraceQL(query: string | undefined) {
  expect(query).toBeDefined();
  const text = query ?? '';
  expect({ query, error: firstError(traceqlParser.parse(text), text) }).toEqual({ query, error: undefined });
}

/** Every LogQL text the Loki builders produce for one service, with one template's filter. */
function allLogQL(logs: LogMapping, service: string, template: string, structured: boolean): string[] {
  const filter = templateLineFilter(template, { structured });
  const exprs = [
    streamSelector(logs, service),
    errorLinesExpr(logs, service),
    errorCountExpr(logs, service, 3600),
    errorBurstExpr(logs, service, 30),
  ];
  if (filter) {
    exprs.push(patternCountExpr(logs, service, filter, 3600));
  }
  return exprs;
}

const labelName = fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_]{0,20}$/);
// Service names come from label values: any text, quotes, backslashes and control characters included.
const anyText = fc.string({ unit: 'binary', maxLength: 40 });
const template = fc
  .array(fc.oneof(fc.constant(WILDCARD), fc.string({ unit: 'binary', minLength: 1, maxLength: 12 })), {
    minLength: 1,
    maxLength: 8,
  })
  .map((parts) => parts.join(' '));
// Error filters a user may configure: chained line filters of any text, or none.
const errorFilter = fc
  .array(fc.tuple(fc.constantFrom('|=', '!=', '|~', '!~'), fc.stringMatching(/^[a-zA-Z0-9 _=:.-]{1,20}$/)), {
    maxLength: 3,
  })
  .map((filters) => filters.map(([op, text]) => `${op} ${quoteLogQL(text)}`).join(' '));

describe('LogQL of the Loki builders parses with @grafana/lezer-logql', () => {
  it.each(Object.keys(METRIC_PRESETS))('for the %s preset with the default log mapping', (preset) => {
    const settings = resolveSettings({ metrics: { ...METRIC_PRESETS[preset as keyof typeof METRIC_PRESETS].mapping } });
    const templates = [
      'payment provider timeout after <*> for order <*>',
      'checkout failed for order <*> payments returned <*> after <*>',
      'GET /products/<*> "quoted" back\\slash `tick` 100% (1.2 KB)',
    ];
    for (const t of templates) {
      for (const structured of [false, true]) {
        allLogQL(settings.logs, 'sample-app', t, structured).forEach(expectLogQL);
      }
    }
  });

  it('for generated services, stream labels, error filters and templates', () => {
    fc.assert(
      fc.property(
        labelName,
        anyText,
        errorFilter,
        template,
        fc.boolean(),
        (serviceLabel, service, filter, tpl, structured) => {
          const logs = { ...DEFAULT_LOG_MAPPING, serviceLabel, errorFilter: filter };
          allLogQL(logs, service, tpl, structured).forEach(expectLogQL);
        }
      ),
      { numRuns: 300 }
    );
  });

  it('rejects what is not LogQL, so the check can fail', () => {
    expect(firstError(logqlParser.parse('{service_name="a" |= "x"'), '')).toBeDefined();
    expect(firstError(logqlParser.parse('sum(count_over_time({a="b"} [5m])'), '')).toBeDefined();
  });
});

describe('TraceQL of the Tempo builders parses with @grafana/lezer-traceql', () => {
  it('for generated service names', () => {
    expectTraceQL(errorTracesTraceQL('sample-app'));
    fc.assert(
      fc.property(
        anyText.filter((s) => !/[\r\n]/.test(s)),
        (service) => expectTraceQL(errorTracesTraceQL(service))
      ),
      { numRuns: 300 }
    );
  });

  it('builds no search for a service name with a line break, which no TraceQL string can hold', () => {
    expect(errorTracesTraceQL('a\nb')).toBeUndefined();
  });

  it('rejects what is not TraceQL, so the check can fail', () => {
    expect(firstError(traceqlParser.parse('{ resource.service.name = "a" && }'), '')).toBeDefined();
  });
});
