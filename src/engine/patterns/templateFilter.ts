/**
 * Matching a mined template against text, and turning a template into a LogQL line filter that
 * counts its lines in Loki (`sum(count_over_time({...} |~ "..." [5m]))`).
 */
import { WILDCARD } from './templateMiner';

const WHITESPACE_RUN = /\s+/g;

/**
 * Whether `message` is an instance of `template`: the literal parts of the template appear in
 * order, with any text (possibly none) in place of each `<*>`. Whitespace runs count as one
 * space, as in the miner. Runs in time linear in the message for a fixed template.
 */
export function templateMatches(template: string, message: string): boolean {
  const text = message.replace(WHITESPACE_RUN, ' ').trim();
  const parts = template.split(WILDCARD);
  if (parts.length === 1) {
    return text === template;
  }
  const first = parts[0];
  const last = parts[parts.length - 1];
  if (!text.startsWith(first)) {
    return false;
  }
  let pos = first.length;
  for (let i = 1; i < parts.length - 1; i++) {
    const part = parts[i];
    if (part === '') {
      continue;
    }
    // Leftmost placement of each literal is always safe when the only wildcard is "any text".
    const at = text.indexOf(part, pos);
    if (at < 0) {
      return false;
    }
    pos = at + part.length;
  }
  return text.length - last.length >= pos && text.endsWith(last);
}

const RE2_META = /[\\.+*?()|[\]{}^$]/g;

/** Escapes literal text for an RE2 regular expression; control characters become `\x{..}`. */
export function escapeRe2(literal: string): string {
  let out = literal.replace(RE2_META, '\\$&');
  out = out.replace(/[\u0000-\u001f\u007f]/g, (c) => '\\x{' + c.charCodeAt(0).toString(16) + '}');
  return out;
}

/** Quotes a string as a LogQL (Go-syntax) double-quoted string literal. */
export function quoteLogQL(value: string): string {
  let out = '"';
  for (const ch of value) {
    switch (ch) {
      case '\\':
        out += '\\\\';
        break;
      case '"':
        out += '\\"';
        break;
      case '\n':
        out += '\\n';
        break;
      case '\r':
        out += '\\r';
        break;
      case '\t':
        out += '\\t';
        break;
      default:
        out += ch;
    }
  }
  return out + '"';
}

function literalRegex(literal: string): string {
  // A space of the template stands for any whitespace run of the line.
  return literal
    .split(' ')
    .map((piece) => escapeRe2(piece))
    .join('\\s+');
}

/**
 * RE2 regular expression for a template: literal parts escaped, each `<*>` as `.*?`. Anchored, it
 * matches whole lines (allowing surrounding whitespace), which makes a plain-text count exact.
 */
export function templateRegex(template: string, anchored = true): string {
  const body = template.split(WILDCARD).map(literalRegex).join('.*?');
  return anchored ? '^\\s*' + body + '\\s*$' : body;
}

export interface TemplateFilterOptions {
  /**
   * The lines are structured (JSON or logfmt: `parseLogLine(...).format !== 'text'`) and the
   * template was mined from a field inside them. Encoders escape quotes, backslashes, slashes, `<>&` and non-ASCII characters
   * differently, so only runs of characters that every encoder writes unchanged are used: the
   * longest few, in template order, unanchored. Such a filter may also count lines of other
   * templates that contain the same fragments.
   */
  structured?: boolean;
  /** Longest fragments kept for structured lines. */
  maxFragments?: number;
  /** Shortest fragment worth keeping for structured lines. */
  minFragmentChars?: number;
}

// Characters every JSON/logfmt encoder writes as is.
const UNSAFE_IN_STRUCTURED = /[^\u0020-\u007e]|["\\/<>&]/g;

function structuredFragments(template: string, maxFragments: number, minChars: number): string[] {
  const fragments: Array<{ text: string; order: number }> = [];
  for (const part of template.split(WILDCARD)) {
    for (const raw of part.split(UNSAFE_IN_STRUCTURED)) {
      const text = raw.trim();
      if (text.length >= minChars) {
        fragments.push({ text, order: fragments.length });
      }
    }
  }
  fragments.sort((a, b) => b.text.length - a.text.length || a.order - b.order);
  return fragments
    .slice(0, maxFragments)
    .sort((a, b) => a.order - b.order)
    .map((f) => f.text);
}

/**
 * A LogQL line filter (`|~ "..."`) selecting the lines of `template`, for use under
 * `count_over_time`. Returns an empty string when the template has no literal text to filter
 * on (it is all placeholders): then every line of the stream belongs to it.
 */
export function templateLineFilter(template: string, options: TemplateFilterOptions = {}): string {
  let regex: string;
  if (options.structured) {
    const fragments = structuredFragments(template, options.maxFragments ?? 3, options.minFragmentChars ?? 3);
    if (fragments.length === 0) {
      return '';
    }
    regex = fragments.map(literalRegex).join('.*?');
  } else {
    if (template.split(WILDCARD).every((p) => p.trim() === '')) {
      return '';
    }
    regex = templateRegex(template, true);
  }
  return '|~ ' + quoteLogQL(regex);
}
