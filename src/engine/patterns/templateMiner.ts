/**
 * Log template miner in the spirit of Drain (He et al., ICWS 2017), with stronger pre-masking and
 * a deterministic batch clustering instead of Drain's order-dependent online tree.
 *
 * One configuration serves every log source: nothing here knows about a particular system. The
 * heuristics are widely shared ones:
 * - masking: a token segment carrying a digit is a parameter (ids, counts, addresses, durations,
 *   versions, timestamps), so are quoted strings (a quoted HTTP request keeps its method and route
 *   shape), host names, sizes with a unit in parentheses, long hex runs, URLs, emails,
 *   `true`/`null`-like literals and calendar words next to numbers; runs of placeholders collapse
 *   into one, so variable-length lists share a template;
 * - lines of the same token count are compared; a word position becomes a parameter once it shows
 *   three or more distinct values among lines that agree everywhere else (two values, like
 *   `startup`/`shutdown`, usually mean two events; capitalized words need five, and the first word
 *   needs three constant words beside it), and a position proven variable for one event is
 *   variable for its siblings;
 * - lines still differing in a few places out of many merge Drain-style above a high similarity;
 * - templates that differ by one optional parameter merge (see `mergeOptionalParameters`).
 * Work per line is bounded: only the first `maxLineChars` characters and `maxTokens` words count;
 * memory is bounded too (see `RETAINED_TOKENS`).
 */

export const WILDCARD = '<*>';

export interface TemplateMinerOptions {
  /** Share of positions that must agree for Drain-style merging of multi-position differences. */
  similarityThreshold?: number;
  /** Distinct values a single differing position needs before it is taken as a parameter. */
  minDistinctValues?: number;
  /** Characters of a line considered; the rest becomes one placeholder. */
  maxLineChars?: number;
  /** Words of a line considered; the rest becomes one placeholder. */
  maxTokens?: number;
  /** Earlier clusters compared per line in the similarity pass. */
  maxClustersPerBucket?: number;
}

/** The default of `maxLineChars`. */
export const MAX_LINE_CHARS = 2048;

const DEFAULTS: Required<TemplateMinerOptions> = {
  similarityThreshold: 0.9,
  minDistinctValues: 3,
  maxLineChars: MAX_LINE_CHARS,
  maxTokens: 128,
  maxClustersPerBucket: 32,
};

// The masking passes below are linear: every quantified run is anchored by a lookbehind to the
// start of a token or segment, so a failed attempt never restarts inside the same run, and no
// quantifier is nested over user text.
const D = `\\s=:,;()[\\]{}<>'"|`; // whitespace and key/value delimiters
const SEG_START = `(?<=^|[${D}]|\\.\\.)`; // a run of 2+ dots (leader dots, ellipses) also separates
const SEG_CHAR = `(?:[^${D}.]|\\.(?=[^${D}.]))`; // a single dot stays inside versions and hosts
const SEG_END = `(?![^${D}.]|\\.[^${D}.])`;
const VALUE_WORDS = 'true|false|null|nil|none|undefined|nan|True|False|Null|None|NaN|TRUE|FALSE|NULL|NONE';

/**
 * One pass for the parameters found inside a token: segments holding a digit (counts, ids,
 * addresses, versions, durations, timestamps), long runs of hex letters (hashes, pointers) and
 * the literals every language prints for a value (they vary like numbers do).
 */
export const VALUE_SEGMENT = new RegExp(
  `${SEG_START}(?:(?=[^${D}.])${SEG_CHAR}*?\\d${SEG_CHAR}*|(?:[a-fA-F]{8,}|${VALUE_WORDS})${SEG_END})`,
  'g'
);
const URL = /(?<![^\s=:,;()[\]{}<>'"|])[A-Za-z][\w+.-]*:\/\/[^\s"'<>]*/g;
const EMAIL = /(?<![\w.+%-])[\w.+%-]+@[\w-]+(?:\.[\w-]+)+/g;
const SPACES = /\s+/;
// Host names vary like addresses do: three or more labels ending in a two-letter country code
// (not one that is also a common word or key suffix, as in `mapred.job.id`), two or more ending in
// a generic top-level domain, or a lower-case dotted name with a port (a Java frame
// `a.b.Class.method:42` has capitals). A label starts with a letter, so versions and addresses are
// left to the digit rule; `main.py` has two labels only. Linear: a label ends at a dot, which no
// label character matches, so no run is rescanned.
const HOST_START = `(?<![\\w.-])`;
const LABEL = `[A-Za-z][\\w-]*`;
const COUNTRY = `(?!(?:id|is|in|it|at|to|on|or|as|by|do|if|me|my|no|so|up|we|be|go)(?![\\w.-]))[A-Za-z]{2}`;
const HOST = new RegExp(
  `${HOST_START}(?:(?:${LABEL}\\.){2,}${COUNTRY}|(?:${LABEL}\\.)+(?:com|net|org|edu|gov|mil|info|biz|arpa|local|lan|internal|corp))(?![\\w.-])` +
    `|${HOST_START}[a-z][a-z0-9-]*(?:\\.[a-z0-9-]+)+:\\d+(?![\\w.])`,
  'g'
);
// A size with its unit in parentheses, `(1.2 KB)` or `(850 bytes)`, is one value, not two words.
const SIZE_IN_PARENS = /\(\s?[-+]?\d[\d.,]*\s?[A-Za-z%]+\)/g;
const DATE_WORDS = new Set(
  'jan feb mar apr may jun jul aug sep sept oct nov dec mon tue wed thu fri sat sun am pm utc gmt'.split(' ')
);
// The literal words by their first character, and a bit per length they come in, for
// `isLiteralAt`: most words have none of those lengths and need no comparison.
const LITERALS_BY_FIRST: string[][] = Array.from({ length: 128 }, () => []);
let literalLengths = 0;
for (const word of VALUE_WORDS.split('|')) {
  LITERALS_BY_FIRST[word.charCodeAt(0)].push(word);
  literalLengths |= 1 << word.length;
}
const LITERAL_LENGTHS = literalLengths;

// The word checks below read a word in place, `s[start..end)`, rather than a word sliced out of
// the line: the engine makes a slice lazily, and reading its characters forces the copy. On lines
// of random words that copy was a third of the tokenizing time; the tokens array takes the slices
// unread, and joining them into the sequence key copies their characters once.

/** `s[start..end)` is a literal such as `null` or `True` (see `VALUE_WORDS`). */
function isLiteralAt(s: string, start: number, end: number): boolean {
  const n = end - start;
  if (n > 30 || ((LITERAL_LENGTHS >>> n) & 1) === 0) {
    return false;
  }
  const c = s.charCodeAt(start);
  if (c >= 128) {
    return false;
  }
  for (const literal of LITERALS_BY_FIRST[c]) {
    if (literal.length === n && s.startsWith(literal, start)) {
      return true;
    }
  }
  return false;
}
/** An empty pair of brackets or quotes is a value that happens to be empty. */
const EMPTY_PAIRS = new Set(['()', '[]', '{}', "''", '<>', '""']);

// 1 for the characters that split a token into segments (see `D`), whitespace aside.
const DELIMITER = new Uint8Array(128);
for (const ch of `=:,;()[]{}<>'"|`) {
  DELIMITER[ch.charCodeAt(0)] = 1;
}

// Character classes for the word scan in `maskTokens`; the flag values combine into a word's
// flags. Characters from U+0080 up are looked up with `isOtherSpace`.
const CHAR_SPACE = 1;
const CHAR_DIGIT = 2;
const CHAR_SPLIT = 4; // a delimiter of `D`: the word has several segments
const CHAR_OTHER_SPACE = 8;
const CHAR_DOT = 16; // splits only when doubled
const CHAR_CLASS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  if (c === 32) {
    CHAR_CLASS[c] = CHAR_SPACE;
  } else if (c >= 48 && c <= 57) {
    CHAR_CLASS[c] = CHAR_DIGIT;
  } else if (DELIMITER[c] === 1) {
    CHAR_CLASS[c] = CHAR_SPLIT;
  } else if (c === 46) {
    CHAR_CLASS[c] = CHAR_DOT;
  } else if (isOtherSpace(c)) {
    CHAR_CLASS[c] = CHAR_OTHER_SPACE;
  }
}

// Words with delimiters but no digits repeat across lines; remembering their masked form skips
// the segment scan. At
// most WORD_CACHE_LIMIT words of at most WORD_CACHE_CHARS characters (2 MiB as UTF-16).
const wordCache = new Map<string, string>();
const WORD_CACHE_LIMIT = 1 << 14;
const WORD_CACHE_CHARS = 64;

/** `s[start..end)` holds hex letters only. */
function isHexLettersAt(s: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i) | 0x20;
    if (c < 97 || c > 102) {
      return false;
    }
  }
  return true;
}

/**
 * A token with no letters left carries no event identity (`<*>:<*>`, `(<*>)`, `-<*>,`), so it
 * becomes a bare placeholder.
 */
function isParameterToken(token: string): boolean {
  if (token.indexOf(WILDCARD) < 0) {
    return false;
  }
  for (let i = 0; i < token.length; i++) {
    const c = token.charCodeAt(i);
    if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c >= 128) {
      return false;
    }
  }
  return true;
}

/**
 * Replaces the value segments of a token by placeholders; the same as
 * `token.replace(VALUE_SEGMENT, WILDCARD)` (the pattern stays the specification, and the tests
 * compare both on generated tokens) for tokens without whitespace. In words:
 * a segment starts at the token's start, after a delimiter or after two dots, and runs over
 * non-delimiter characters, a single dot included when another such character follows; it is a
 * value when it holds a digit, is 8+ hex letters, or is a literal such as `null`. Scanning by
 * character code avoids a regex call per token, most of the masking time on digit-rich logs.
 */
export function replaceValueSegments(token: string): string {
  const n = token.length;
  let out = '';
  let copied = 0; // token[copied..] is not yet in `out`
  let i = 0;
  while (i < n) {
    const c = token.charCodeAt(i);
    const atStart =
      i === 0 ||
      isDelimiter(token.charCodeAt(i - 1)) ||
      (i >= 2 && token.charCodeAt(i - 1) === 46 && token.charCodeAt(i - 2) === 46);
    if (!atStart || c === 46 || isDelimiter(c)) {
      i++;
      continue;
    }
    // Extend the segment and classify it on the way.
    let end = i;
    let digit = false;
    let hex = true;
    for (; end < n; end++) {
      const d = token.charCodeAt(end);
      if (d === 46) {
        // A dot belongs to the segment only when a segment character follows it.
        const next = end + 1 < n ? token.charCodeAt(end + 1) : 46;
        if (next === 46 || isDelimiter(next)) {
          break;
        }
        hex = false;
      } else if (isDelimiter(d)) {
        break;
      } else if (d >= 48 && d <= 57) {
        digit = true;
      } else if (hex && ((d | 0x20) < 97 || (d | 0x20) > 102)) {
        hex = false;
      }
    }
    const len = end - i;
    if (digit || (hex && len >= 8) || isLiteralAt(token, i, end)) {
      out += token.slice(copied, i) + WILDCARD;
      copied = end;
    }
    i = end;
  }
  return copied === 0 ? token : out + token.slice(copied);
}

function maskSegments(token: string): string {
  const masked = replaceValueSegments(token);
  return EMPTY_PAIRS.has(masked) || isParameterToken(masked) ? WILDCARD : masked;
}

/** The characters of `D`: whitespace (as `\s` has it, so not U+0085) and the delimiters. */
function isDelimiter(c: number): boolean {
  if (c < 128) {
    return DELIMITER[c] === 1 || c === 32 || (c >= 9 && c <= 13);
  }
  return c !== 0x85 && isOtherSpace(c);
}

function isOtherSpace(c: number): boolean {
  return (
    (c >= 9 && c <= 13) ||
    c === 0x85 ||
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}

/**
 * Masks one token split on plain spaces; returns undefined when the token still holds another
 * kind of whitespace (tabs, no-break spaces) and must be split further.
 */
function maskWord(token: string): string | undefined {
  let digit = false;
  let split = false;
  for (let i = 0; i < token.length; i++) {
    const c = token.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      digit = true;
    } else if (c < 128) {
      if (DELIMITER[c] === 1 || (c === 46 && token.charCodeAt(i + 1) === 46)) {
        split = true;
      } else if (c < 32 && isOtherSpace(c)) {
        return undefined;
      }
    } else if (isOtherSpace(c)) {
      return undefined;
    }
  }
  return maskPlainWord(token, digit, split);
}

/** Masks the word `s[start..end)` given the character classes it holds, onto `tokens`. */
function pushWord(tokens: string[], s: string, start: number, end: number, flags: number): void {
  if (flags === CHAR_DIGIT) {
    tokens.push(WILDCARD); // one segment holding a digit
  } else if ((flags & CHAR_OTHER_SPACE) === 0) {
    if (flags === 0) {
      tokens.push(isPlainValueAt(s, start, end) ? WILDCARD : s.slice(start, end));
    } else {
      tokens.push(maskPlainWord(s.slice(start, end), (flags & CHAR_DIGIT) !== 0, (flags & CHAR_SPLIT) !== 0));
    }
  } else {
    // Tabs, no-break spaces and the like split the word further.
    for (const part of s.slice(start, end).split(SPACES)) {
      if (part !== '') {
        tokens.push(maskWord(part) ?? WILDCARD);
      }
    }
  }
}

/**
 * A word of one segment without digits is a value when it is 8+ hex letters or a literal; checked
 * directly (cheaper than a cache lookup, and no cache churn on lines of random words).
 */
function isPlainValueAt(s: string, start: number, end: number): boolean {
  const n = end - start;
  return (n >= 8 && isHexLettersAt(s, start, end)) || isLiteralAt(s, start, end);
}

function maskPlainWord(token: string, digit: boolean, split: boolean): string {
  if (digit && !split) {
    return WILDCARD; // one segment holding a digit
  }
  if (digit) {
    return maskSegments(token);
  }
  if (!split) {
    return isPlainValueAt(token, 0, token.length) ? WILDCARD : token;
  }
  const cacheable = token.length <= WORD_CACHE_CHARS;
  let masked = cacheable ? wordCache.get(token) : undefined;
  if (masked === undefined) {
    masked = maskSegments(token);
    if (cacheable) {
      if (wordCache.size >= WORD_CACHE_LIMIT) {
        wordCache.clear();
      }
      const key = ownCopy(token);
      wordCache.set(key, masked === token ? key : ownCopy(masked));
    }
  }
  return masked;
}

function isDateWord(token: string): boolean {
  return token.length >= 2 && token.length <= 4 && DATE_WORDS.has(token.toLowerCase());
}

// `METHOD target HTTP/x`, as access logs quote a request; the method and route name the event.
// No quantifier here counts digits: see `TemplateMiner.add` on why digit runs must not matter.
const HTTP_REQUEST = /^([A-Z]{3,7}) (\S+)(?: (HTTP\/)[\d.]+)?$/;
const QUERY_OR_FRAGMENT = /[?#].*$/;

/**
 * A quoted value is one placeholder, except a request line: it keeps its method and the shape of
 * its route, each path segment holding a digit (or 8+ hex letters) a placeholder, the query a
 * placeholder, so `GET /v2/<*>/servers` and `DELETE /v2/<*>/servers/<*>` stay apart.
 */
function maskQuotedValue(value: string): string {
  const m = HTTP_REQUEST.exec(value);
  if (!m) {
    return WILDCARD;
  }
  const target = m[2];
  const path = target.replace(QUERY_OR_FRAGMENT, '');
  const shape = path
    .split('/')
    .map((seg) => (/\d/.test(seg) || (seg.length >= 8 && isHexLettersAt(seg, 0, seg.length)) ? WILDCARD : seg))
    .join('/');
  const query = path.length < target.length ? '?' + WILDCARD : '';
  return m[1] + ' ' + shape + query + (m[3] ? ' ' + m[3] + WILDCARD : '');
}

/**
 * Replaces double-quoted spans by a quoted placeholder, since a quoted value may contain spaces.
 * Each quote is visited once, so this is linear in the line.
 */
function maskQuoted(line: string): string {
  let first = line.indexOf('"');
  if (first < 0) {
    return line;
  }
  let out = '';
  let pos = 0;
  while (first >= 0) {
    let end = first + 1;
    // Skip escaped quotes so `"a \"b\" c"` is one value.
    for (;;) {
      end = line.indexOf('"', end);
      if (end < 0 || line.charCodeAt(end - 1) !== 92) {
        break;
      }
      end++;
    }
    if (end < 0) {
      break;
    }
    out += line.slice(pos, first) + '"' + maskQuotedValue(line.slice(first + 1, end)) + '"';
    pos = end + 1;
    first = line.indexOf('"', pos);
  }
  return out + line.slice(pos);
}

// Cuts at the last whitespace so no token is split: the template's literal text then stays a
// prefix of the line's tokens, and the trailing placeholder covers the rest.
function headOf(message: string, maxChars: number): string {
  for (let i = maxChars; i > 0; i--) {
    const c = message.charCodeAt(i);
    if (c === 32 || (c >= 9 && c <= 13)) {
      return message.slice(0, i);
    }
  }
  return '';
}

/**
 * Masks the variable parts of a message into its token sequence: whitespace splits tokens,
 * parameters become `<*>`, and runs of placeholders (argument lists, stack frames) collapse into
 * one so their length does not matter. Words after the first `maxWords` become one placeholder
 * without being looked at: a long line then costs no more than its head.
 */
function maskTokens(message: string, maxLineChars: number, maxWords = Infinity): string[] {
  const truncated = message.length > maxLineChars;
  let s = maskQuoted(truncated ? headOf(message, maxLineChars) : message);
  if (s.indexOf('://') >= 0) {
    s = s.replace(URL, WILDCARD);
  }
  if (s.indexOf('@') >= 0) {
    s = s.replace(EMAIL, WILDCARD);
  }
  if (s.indexOf('.') >= 0) {
    s = s.replace(HOST, WILDCARD);
  }
  if (s.indexOf('(') >= 0) {
    s = s.replace(SIZE_IN_PARENS, WILDCARD);
  }
  // One scan over the line splits it on plain spaces and classifies each word on the way (one
  // table load per character; most characters are plain and cost nothing more), so a word that is
  // a single segment holding a digit, the commonest parameter, becomes `<*>` without being sliced.
  const tokens: string[] = [];
  const n = s.length;
  let cut = false; // words were left out after `maxWords`
  let start = 0; // start of the current word
  let flags = 0; // CHAR_DIGIT | CHAR_SPLIT | CHAR_OTHER_SPACE seen in the current word
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    const k = c < 128 ? CHAR_CLASS[c] : isOtherSpace(c) ? CHAR_OTHER_SPACE : 0;
    if (k === 0) {
      continue;
    }
    if (k === CHAR_SPACE) {
      if (i > start) {
        pushWord(tokens, s, start, i, flags);
        if (tokens.length >= maxWords) {
          cut = s.slice(i).trim() !== '';
          start = n;
          break;
        }
      }
      start = i + 1;
      flags = 0;
    } else if (k === CHAR_DOT) {
      if (s.charCodeAt(i + 1) === 46) {
        flags |= CHAR_SPLIT; // two dots separate segments
      }
    } else {
      flags |= k;
    }
  }
  if (n > start) {
    pushWord(tokens, s, start, n, flags);
  }
  if (truncated || cut) {
    tokens.push(WILDCARD);
  }
  // Calendar words next to a number belong to a timestamp; twice, so that `Fri Jun <*>` is
  // reached from the number through `Jun`.
  for (let round = 0; round < 2; round++) {
    const last = tokens.length - 1;
    for (let i = 0; i <= last; i++) {
      const t = tokens[i];
      // Neighbours first (in bounds: reading past an array's end is a slow path), then the word.
      if (
        t !== WILDCARD &&
        ((i > 0 && tokens[i - 1] === WILDCARD) || (i < last && tokens[i + 1] === WILDCARD)) &&
        isDateWord(t)
      ) {
        tokens[i] = WILDCARD;
      }
    }
  }
  let w = 0;
  for (let i = 0; i < tokens.length; i++) {
    if (tokens[i] !== WILDCARD || w === 0 || tokens[w - 1] !== WILDCARD) {
      tokens[w++] = tokens[i];
    }
  }
  tokens.length = w;
  return tokens;
}

/**
 * Masks the variable parts of a message and normalizes whitespace to single spaces; the result
 * is the message's masked token sequence joined by spaces (before any token cap).
 */
export function maskMessage(message: string, maxLineChars = DEFAULTS.maxLineChars): string {
  return maskTokens(message, maxLineChars).join(' ');
}

function capTokens(tokens: string[], maxTokens: number): string[] {
  if (tokens.length <= maxTokens) {
    return tokens;
  }
  const capped = tokens.slice(0, maxTokens);
  if (capped[capped.length - 1] !== WILDCARD) {
    capped.push(WILDCARD);
  }
  return capped;
}

function tokenize(message: string, maxLineChars: number, maxTokens: number): string[] {
  return capTokens(maskTokens(message, maxLineChars, maxTokens), maxTokens);
}

/** Splits and masks a message into the token sequence the miner clusters on. */
export function tokenizeMessage(message: string, options?: TemplateMinerOptions): string[] {
  return tokenize(message, options?.maxLineChars ?? DEFAULTS.maxLineChars, options?.maxTokens ?? DEFAULTS.maxTokens);
}

interface Cluster {
  tokens: string[];
  /** Interned token ids, kept in step with `tokens`. */
  ids: number[];
  members: number[];
  hashA: number;
  hashB: number;
}

/** Counts units of work (tokens and members visited), so tests can check how work grows. */
export interface WorkCounter {
  units: number;
}

const DIGIT_RUNS = /[0-9]+/g;
const HAS_DIGIT = /[0-9]/;

const BASE_A = 0x01000193;
const BASE_B = 0x5bd1e995;

/**
 * Memory bounds, whatever the input. The line caches hold lines of at most `CACHED_LINE_CHARS`
 * characters, at most `CACHED_LINES` of them each (a full cache starts over), so together at most
 * 2 x 32,768 x 512 characters (32 MiB as UTF-16). Distinct masked sequences are kept for the batch
 * clustering until they hold `RETAINED_TOKENS` tokens or `RETAINED_CHARS` characters in all (with
 * `maxTokens` 128, at least 2,048 sequences; LogHub's 20,000 lines have about 3,000 of ~15
 * tokens); a new sequence beyond that is not kept: it joins the catch-all sequence of its first
 * token (`first <*>`, one per first token of at most `OVERFLOW_FIRST_CHARS` characters and at most
 * `OVERFLOW_FIRSTS` of them, else `<*>`), whose template still matches it. Below the cap the
 * result depends only on the multiset of lines; beyond it, on which sequences came first.
 */
const CACHED_LINE_CHARS = 512;
const CACHED_LINES = 1 << 15;
const RETAINED_TOKENS = 1 << 18;
const RETAINED_CHARS = 1 << 24;
const OVERFLOW_FIRST_CHARS = 64;
const OVERFLOW_FIRSTS = 1 << 12;

/**
 * Collects messages, then clusters their distinct masked token sequences in one deterministic
 * batch: the result depends only on the multiset of messages, never on their order (within the
 * memory bounds above).
 */
export class TemplateMiner {
  private readonly opts: Required<TemplateMinerOptions>;
  private readonly work: WorkCounter;
  private readonly index = new Map<string, number>();
  // Lines that differ only in their numbers mask alike, see `add`: shape -> id.
  private readonly byShape = new Map<string, number>();
  // Lines whose shape does not stand for them (a digit survives masking), remembered whole.
  private readonly seen = new Map<string, number>();
  private readonly sequences: string[][] = [];
  /** `sequences[i].join(' ')`, also the key of `index`. */
  private readonly keys: string[] = [];
  private retainedTokens = 0;
  private retainedChars = 0;
  private overflowFirsts = 0;
  private result: string[] | undefined;

  constructor(options?: TemplateMinerOptions, work: WorkCounter = { units: 0 }) {
    this.opts = { ...DEFAULTS, ...options };
    this.work = work;
  }

  /** Adds a message; the returned id is shared by messages with the same masked sequence. */
  add(message: string): number {
    const cached = message.length <= CACHED_LINE_CHARS;
    // A line's shape is the line with every run of digits written as one `0`. Masking looks at
    // digits only by their class (any digit makes its whole segment `<*>`; no rule counts them),
    // so two lines of one shape mask to the same tokens, unless a digit survives masking (a digit
    // not at a segment start, as in `x:.5`) or the line is cut at `maxLineChars`. So the shape
    // is remembered when neither happened, and the next line of that shape (another block id,
    // another port, or the same line again) skips masking; only lines whose shape cannot stand
    // for them are remembered whole. On LogHub's 20,000 lines this masks ~1,300 lines instead of
    // ~9,500 distinct ones; a native regex replace costs much less than masking, and checking
    // the shape first saves a lookup and an insertion per line over checking the line first.
    const shape = cached ? message.replace(DIGIT_RUNS, '0') : '';
    let id: number | undefined;
    if (cached) {
      id = this.byShape.get(shape) ?? this.seen.get(message);
      if (id !== undefined) {
        return id;
      }
    }
    this.work.units += Math.min(message.length, this.opts.maxLineChars);
    const tokens = tokenize(message, this.opts.maxLineChars, this.opts.maxTokens);
    const key = tokens.join(' ');
    id = this.index.get(key) ?? this.retain(tokens, key);
    if (cached) {
      if (HAS_DIGIT.test(key)) {
        remember(this.seen, message, id);
      } else {
        remember(this.byShape, shape, id);
      }
    }
    return id;
  }

  private retain(tokens: string[], key: string): number {
    if (this.retainedTokens + tokens.length > RETAINED_TOKENS || this.retainedChars + key.length > RETAINED_CHARS) {
      return this.overflow(tokens);
    }
    this.retainedTokens += tokens.length;
    this.retainedChars += key.length;
    const id = this.sequences.length;
    const owned = ownCopy(key);
    this.index.set(owned, id);
    this.keys.push(owned);
    // The tokens split again from the key, not the ones given: those are slices of the line.
    this.sequences.push(owned.split(' '));
    this.result = undefined;
    return id;
  }

  private overflow(tokens: string[]): number {
    const first = tokens[0];
    let catchAll = [WILDCARD];
    if (tokens.length > 1 && first !== WILDCARD && first.length <= OVERFLOW_FIRST_CHARS) {
      catchAll = [first, WILDCARD];
    }
    let key = catchAll.join(' ');
    let id = this.index.get(key);
    if (id === undefined && catchAll.length > 1 && this.overflowFirsts >= OVERFLOW_FIRSTS) {
      catchAll = [WILDCARD];
      key = WILDCARD;
      id = this.index.get(key);
    }
    if (id === undefined) {
      this.overflowFirsts += catchAll.length - 1;
      id = this.sequences.length;
      this.index.set(key, id);
      this.keys.push(key);
      this.sequences.push(key.split(' ')); // as in `retain`: `first` is a slice of the line
      this.result = undefined;
    }
    return id;
  }

  /** Number of distinct masked token sequences added so far. */
  get size(): number {
    return this.sequences.length;
  }

  /** The final template of an id returned by `add`. */
  template(id: number): string {
    if (!this.result) {
      this.result = clusterSequences(this.sequences, this.keys, this.opts, this.work);
    }
    return this.result[id] ?? '';
  }
}

function remember(cache: Map<string, number>, key: string, id: number): void {
  if (cache.size >= CACHED_LINES) {
    cache.clear();
  }
  cache.set(ownCopy(key), id);
}

/**
 * A copy of `s` that owns its characters. A line handed to the miner may be a slice of a larger
 * text (the CLI splits 1 MiB chunks), a slice keeps its whole text alive, and so does a string
 * joined from one slice; so what the miner keeps is copied once, when it is kept. Cheaper tricks
 * (`(' ' + s).slice(1)`, `[s, ''].join('')`) still share the text in JavaScriptCore or in V8
 * (measured); the JSON round trip copies in both, exactly, lone surrogates included.
 */
function ownCopy(s: string): string {
  return JSON.parse(JSON.stringify(s));
}

function clusterSequences(
  sequences: string[][],
  keys: readonly string[],
  opts: Required<TemplateMinerOptions>,
  work: WorkCounter
): string[] {
  // A sequence alone with its length has nothing to merge with in the per-length passes: its
  // template is its key. Many sequences are alone, so this skips their sorting, interning, hashing.
  const lengthCount: number[] = [];
  for (const tokens of sequences) {
    lengthCount[tokens.length] = (lengthCount[tokens.length] ?? 0) + 1;
  }
  const out: string[] = new Array(sequences.length);
  const idOf = new Map<string, number>();
  const mergeable: string[] = [];
  for (let id = 0; id < sequences.length; id++) {
    if (lengthCount[sequences[id].length] === 1) {
      out[id] = keys[id];
    } else {
      idOf.set(keys[id], id);
      mergeable.push(keys[id]);
    }
  }
  work.units += sequences.length;
  // Processing in key order rather than arrival order makes the result order-independent. Keys
  // are distinct, so each sorted key maps back to one id (the plain string sort is much faster
  // than sorting ids with a comparator).
  mergeable.sort();
  const intern = new Map<string, number>();
  const byLength = new Map<number, Cluster[]>();
  for (const key of mergeable) {
    const id = idOf.get(key) ?? 0;
    const tokens = sequences[id].slice();
    const ids = tokens.map((t) => {
      let v = intern.get(t);
      if (v === undefined) {
        v = intern.size + 1;
        intern.set(t, v);
      }
      return v;
    });
    work.units += tokens.length;
    let list = byLength.get(tokens.length);
    if (!list) {
      list = [];
      byLength.set(tokens.length, list);
    }
    list.push(withHashes({ tokens, ids, members: [id], hashA: 0, hashB: 0 }));
  }
  let wildcardId = intern.get(WILDCARD);
  if (wildcardId === undefined) {
    wildcardId = intern.size + 1;
  }
  const context: MergeContext = { wildcardId, opts, work };
  for (const [length, list] of byLength) {
    const merged = mergeBySimilarity(mergeByColumns(list, length, context), context);
    for (const c of merged) {
      const template = c.tokens.join(' ');
      for (const m of c.members) {
        out[m] = template;
      }
    }
  }
  return mergeOptionalParameters(out, sequences, work);
}

/** Wildcard positions tried per template by `mergeOptionalParameters`. */
const OPTIONAL_POSITIONS = 8;

interface OptionalGroup {
  tokens: string[];
  /** Positions that are `<*>` in every member's own sequence. */
  masked: boolean[];
  /** `glued[i]`: a `<*>` that may match nothing follows token i (`-1`: precedes token 0). */
  glued: Set<number>;
  /** The original templates merged here. */
  sources: string[];
}

/**
 * The length-tolerant step: an event with optional parameters (`1190 bytes sent` beside
 * `1190 bytes (1.16 KB) sent`) gives templates that differ by `<*>` tokens. Longer templates
 * absorb shorter ones that lack one such `<*>`, glued to the word before (`<*> bytes<*> sent`;
 * before the first word when it leads): a glued `<*>` also matches no text, so the template
 * matches every kind of line, and the merged template can absorb a shorter one again. Only a
 * `<*>` that masking put in every member line counts: one that merging made of words
 * (`user=root`, `user=guest`, ...) marks a part the event always has. Templates are visited
 * longest first, then in key order, so the result stays independent of input order.
 */
function mergeOptionalParameters(templates: string[], sequences: readonly string[][], work: WorkCounter): string[] {
  // A shorter partner lacks one `<*>` token, so it has the same words in the same order: only
  // templates whose words another template shares take part (on LogHub, 2 of 702).
  const wordsOf = new Map<string, string>(); // distinct template -> its words
  const sharing = new Map<string, number>(); // words -> templates having them
  for (const t of templates) {
    if (!wordsOf.has(t)) {
      const words = wordsOfTemplate(t);
      wordsOf.set(t, words);
      sharing.set(words, (sharing.get(words) ?? 0) + 1);
    }
  }
  work.units += templates.length;
  const groups = new Map<string, OptionalGroup>();
  for (let id = 0; id < templates.length; id++) {
    const template = templates[id];
    if ((sharing.get(wordsOf.get(template) ?? '') ?? 0) < 2) {
      continue;
    }
    const tokens = sequences[id];
    work.units += tokens.length;
    const g = groups.get(template);
    if (!g) {
      const own = template.split(' ');
      groups.set(template, {
        tokens: own,
        masked: tokens.map((t, i) => t === WILDCARD && own[i] === WILDCARD),
        glued: new Set(),
        sources: [template],
      });
    } else {
      for (let i = 0; i < g.masked.length; i++) {
        g.masked[i] = g.masked[i] && tokens[i] === WILDCARD;
      }
    }
  }
  // Longest first, then in key order (the plain string sort, per length, is that order).
  const byLength: string[][] = [];
  for (const [key, g] of groups) {
    if (g.tokens.length > 1) {
      (byLength[g.tokens.length] ??= []).push(key);
    }
  }
  let merged = false;
  for (let length = byLength.length - 1; length > 1; length--) {
    for (const key of byLength[length]?.sort() ?? []) {
      const g = groups.get(key);
      if (g && absorbInShorter(groups, key, g, work)) {
        merged = true;
      }
    }
  }
  if (!merged) {
    return templates;
  }
  const result = new Map<string, OptionalGroup>(); // original template -> its final group
  for (const g of groups.values()) {
    for (const source of g.sources) {
      result.set(source, g);
    }
  }
  const rendered = new Map<OptionalGroup, string>();
  return templates.map((t) => {
    const g = result.get(t);
    if (!g || g.glued.size === 0) {
      return t;
    }
    let text = rendered.get(g);
    if (text === undefined) {
      text = g.tokens
        .map((tok, i) => {
          let out = g.glued.has(i - 1) && i === 0 && !tok.startsWith(WILDCARD) ? WILDCARD + tok : tok;
          if (g.glued.has(i) && !out.endsWith(WILDCARD)) {
            out += WILDCARD;
          }
          return out;
        })
        .join(' ');
      rendered.set(g, text);
    }
    return text;
  });
}

/**
 * Merges group `g` into a group one `<*>` shorter, if one exists that has not absorbed another
 * yet; `g` then leaves `groups`. Tries the first `OPTIONAL_POSITIONS` positions that masking made
 * `<*>`. Returns whether it merged.
 */
function absorbInShorter(
  groups: Map<string, OptionalGroup>,
  key: string,
  g: OptionalGroup,
  work: WorkCounter
): boolean {
  let tried = 0;
  for (let p = 0; p < g.tokens.length && tried < OPTIONAL_POSITIONS; p++) {
    if (!g.masked[p]) {
      continue;
    }
    tried++;
    const shorterKey = g.tokens
      .slice(0, p)
      .concat(g.tokens.slice(p + 1))
      .join(' ');
    work.units += g.tokens.length;
    const s = groups.get(shorterKey);
    if (!s || s === g || s.glued.size > 0 || s.sources.length > 1) {
      continue;
    }
    // `s` becomes the merged group (visited later, being shorter): it may absorb again.
    const glued = new Set<number>();
    for (const i of g.glued) {
      glued.add(i < p ? i : i - 1);
    }
    glued.add(p - 1);
    s.masked = s.masked.map((m, i) => m && g.masked[i < p ? i : i + 1]);
    s.glued = glued;
    s.sources = s.sources.concat(g.sources);
    groups.delete(key);
    return true;
  }
  return false;
}

const WILDCARD_TOKEN = /(^| )<\*>(?= |$)/g;

/** The tokens of a template that are not `<*>`, joined by spaces. */
function wordsOfTemplate(template: string): string {
  const words = template.replace(WILDCARD_TOKEN, '');
  return words.charCodeAt(0) === 32 ? words.slice(1) : words;
}

interface MergeContext {
  wildcardId: number;
  opts: Required<TemplateMinerOptions>;
  work: WorkCounter;
}

function scramble(id: number): number {
  return Math.imul(id ^ (id >>> 15), 0x2c1b3c6d) >>> 0;
}

function withHashes(c: Cluster): Cluster {
  let a = 0;
  let b = 0;
  for (const id of c.ids) {
    a = (Math.imul(a, BASE_A) + id) >>> 0;
    b = (Math.imul(b, BASE_B) + scramble(id)) >>> 0;
  }
  c.hashA = a;
  c.hashB = b;
  return c;
}

function powers(base: number, n: number): number[] {
  const p = [1];
  for (let i = 1; i < n; i++) {
    p.push(Math.imul(p[i - 1], base) >>> 0);
  }
  return p;
}

function sameExcept(a: Cluster, b: Cluster, pos: number): boolean {
  for (let i = 0; i < a.ids.length; i++) {
    if (i !== pos && a.ids[i] !== b.ids[i]) {
      return false;
    }
  }
  return true;
}

/**
 * Capitalized words (`Started`, `Paused`, `Resumed`) are usually the event's own words, where
 * lower-case or mixed ones (`root`, `cyrus`, `eth0`) are usually names: they need two more values.
 */
const TITLE_WORD = /^[A-Z][a-z]+$/;
const TITLE_WORD_EXTRA_VALUES = 2;

/**
 * The leading word is a parameter (a program, host or thread name) only beside this many
 * constant words: in shorter lines it usually names the event (`boot (command <*>`).
 */
const FIRST_PARAMETER_CONSTANTS = 3;

function constantsBesideFirst(c: Cluster, wildcardId: number): number {
  let n = 0;
  for (let i = 1; i < c.ids.length; i++) {
    if (c.ids[i] !== wildcardId) {
      n++;
    }
  }
  return n;
}

/**
 * Merges clusters that agree everywhere but one position, when that position shows enough
 * distinct values to be a parameter. Two values are not enough: `startup`/`shutdown` or
 * `begin`/`end` usually name different events, while a user or host name soon shows three.
 * Every position counts, the first one too: a program, host or thread name often leads a line.
 */
function mergeByPosition(clusters: Cluster[], length: number, ctx: MergeContext): Cluster[] {
  if (clusters.length < 2) {
    return clusters;
  }
  const { wildcardId, opts, work } = ctx;
  const { alone, rest } = length > 1 ? setAsideAlone(clusters, wildcardId, work) : { alone: [], rest: clusters };
  if (rest.length < 2) {
    return clusters;
  }
  let list = rest;
  const keys = new Float64Array(rest.length); // per position, list[i]'s hash without that position
  const powA = powers(BASE_A, length);
  const powB = powers(BASE_B, length);
  for (let round = 0; round < 3; round++) {
    let changed = false;
    for (let pos = 0; pos < length; pos++) {
      const wA = powA[length - 1 - pos];
      const wB = powB[length - 1 - pos];
      work.units += list.length;
      const distinct = new Set<number>();
      for (let i = 0; i < list.length; i++) {
        const c = list[i];
        const id = c.ids[pos];
        const ka = (c.hashA - Math.imul(id, wA)) >>> 0;
        const kb = (c.hashB - Math.imul(scramble(id), wB)) >>> 0;
        // 32 + 21 bits: exact in a double; the rest of B only guards against collisions.
        keys[i] = ka * 2097152 + (kb & 0x1fffff);
        distinct.add(keys[i]);
      }
      if (distinct.size === list.length) {
        continue; // the common case: no two clusters agree everywhere else
      }
      const groups = new Map<number, Cluster[]>();
      for (let i = 0; i < list.length; i++) {
        const g = groups.get(keys[i]);
        if (g) {
          g.push(list[i]);
        } else {
          groups.set(keys[i], [list[i]]);
        }
      }
      const next: Cluster[] = [];
      for (const g of groups.values()) {
        if (g.length === 1) {
          next.push(g[0]);
          continue;
        }
        // Hash collisions are possible: only members that truly agree elsewhere are merged.
        const head = g[0];
        const same: Cluster[] = [];
        const others: Cluster[] = [];
        for (const c of g) {
          (sameExcept(head, c, pos) ? same : others).push(c);
        }
        work.units += g.length * length;
        const values = new Set(same.map((c) => c.ids[pos]));
        const needed = same.every((c) => TITLE_WORD.test(c.tokens[pos]))
          ? opts.minDistinctValues + TITLE_WORD_EXTRA_VALUES
          : opts.minDistinctValues;
        const enough = values.has(wildcardId) || values.size >= needed;
        if (enough && (pos > 0 || constantsBesideFirst(head, wildcardId) >= FIRST_PARAMETER_CONSTANTS)) {
          const tokens = head.tokens.slice();
          const ids = head.ids.slice();
          tokens[pos] = WILDCARD;
          ids[pos] = wildcardId;
          const members: number[] = [];
          for (const c of same) {
            for (const m of c.members) {
              members.push(m);
            }
          }
          work.units += members.length;
          next.push(withHashes({ tokens, ids, members, hashA: 0, hashB: 0 }));
          changed = true;
          for (const c of others) {
            next.push(c);
          }
        } else {
          for (const c of g) {
            next.push(c);
          }
        }
      }
      list = next;
    }
    if (!changed) {
      break;
    }
  }
  return alone.length > 0 ? list.concat(alone) : list;
}

/**
 * Splits off the clusters that no merge by position can reach: a merge needs two clusters that
 * agree at every position but one, so at position 0 or at position 1; a cluster whose tokens
 * there are both real words (not `<*>`) that no other cluster has at that position never finds
 * a partner, nor does any cluster built by merging the others (its tokens come from its members
 * or are `<*>`). About half of LogHub's clusters are such.
 * The others keep their relative order, and a set-aside cluster is alone with its first word in
 * the later passes too, so the templates do not change.
 */
function setAsideAlone(
  clusters: Cluster[],
  wildcardId: number,
  work: WorkCounter
): { alone: Cluster[]; rest: Cluster[] } {
  const at0 = new Map<number, number>();
  const at1 = new Map<number, number>();
  for (const c of clusters) {
    at0.set(c.ids[0], (at0.get(c.ids[0]) ?? 0) + 1);
    at1.set(c.ids[1], (at1.get(c.ids[1]) ?? 0) + 1);
  }
  work.units += clusters.length;
  const alone: Cluster[] = [];
  const rest: Cluster[] = [];
  for (const c of clusters) {
    const a = c.ids[0];
    const b = c.ids[1];
    const single = a !== wildcardId && b !== wildcardId && at0.get(a) === 1 && at1.get(b) === 1;
    (single ? alone : rest).push(c);
  }
  return { alone, rest };
}

/**
 * Events of one family share their first word (the first one that is not a parameter, and its
 * position): a leading program or host name that became `<*>` does not make all such lines one
 * family.
 */
function familyOf(c: Cluster, wildcardId: number): number {
  let i = 0;
  while (i < c.ids.length - 1 && c.ids[i] === wildcardId) {
    i++;
  }
  return i * 4194304 + c.ids[i]; // ids stay below 2^22: at most RETAINED_TOKENS distinct tokens
}

/**
 * Once a position has proven to be a parameter for one event, the same position is a parameter
 * for events of its family (see `familyOf`) and length; masking it there lets a second parameter
 * reach its three distinct values (`rhost=<*> user=root` beside `rhost=a.example user=guest`).
 */
function mergeByColumns(clusters: Cluster[], length: number, ctx: MergeContext): Cluster[] {
  const { wildcardId, work } = ctx;
  let list = mergeByPosition(clusters, length, ctx);
  for (let round = 0; round < 3 && list.length > 1; round++) {
    const columns = new Map<number, Set<number>>();
    work.units += list.length * length;
    for (const c of list) {
      const family = familyOf(c, wildcardId);
      for (let i = 1; i < length; i++) {
        if (c.ids[i] === wildcardId) {
          let set = columns.get(family);
          if (!set) {
            set = new Set();
            columns.set(family, set);
          }
          set.add(i);
        }
      }
    }
    let changed = false;
    const byKey = new Map<string, Cluster>();
    const next: Cluster[] = [];
    for (const c of list) {
      const cols = columns.get(familyOf(c, wildcardId));
      let masked = c;
      if (cols) {
        let tokens: string[] | undefined;
        let ids: number[] | undefined;
        for (const i of cols) {
          if (c.ids[i] !== wildcardId) {
            tokens = tokens ?? c.tokens.slice();
            ids = ids ?? c.ids.slice();
            tokens[i] = WILDCARD;
            ids[i] = wildcardId;
          }
        }
        if (tokens && ids) {
          changed = true;
          masked = withHashes({ tokens, ids, members: c.members, hashA: 0, hashB: 0 });
        }
      }
      const key = masked.ids.join(',');
      const prev = byKey.get(key);
      if (prev) {
        // Appended in place: rebuilding the growing list per cluster would be quadratic.
        for (const m of masked.members) {
          prev.members.push(m);
        }
        work.units += masked.members.length;
        changed = true;
      } else {
        const own = masked === c ? { ...c, members: c.members.slice() } : masked;
        byKey.set(key, own);
        next.push(own);
      }
    }
    if (!changed) {
      break;
    }
    list = mergeByPosition(next, length, ctx);
  }
  return list;
}

/**
 * Drain's merge for lines that differ in several places at once: within one first token and
 * length, a cluster joins the most similar earlier one when enough positions agree.
 */
function mergeBySimilarity(clusters: Cluster[], ctx: MergeContext): Cluster[] {
  const { opts, work } = ctx;
  if (clusters.length < 2 || opts.similarityThreshold > 1) {
    return clusters;
  }
  const byPrefix = new Map<string, Cluster[]>();
  const out: Cluster[] = [];
  for (const c of clusters) {
    const first = c.tokens[0] ?? '';
    let reps = byPrefix.get(first);
    if (!reps) {
      reps = [];
      byPrefix.set(first, reps);
    }
    let best: Cluster | undefined;
    let bestSim = -1;
    const n = Math.min(reps.length, opts.maxClustersPerBucket);
    work.units += n * c.tokens.length;
    for (let r = 0; r < n; r++) {
      const sim = similarity(reps[r].tokens, c.tokens);
      if (sim > bestSim) {
        bestSim = sim;
        best = reps[r];
      }
    }
    if (best && bestSim >= opts.similarityThreshold) {
      const t = best.tokens;
      for (let i = 0; i < t.length; i++) {
        if (t[i] !== c.tokens[i]) {
          t[i] = WILDCARD;
        }
      }
      for (const m of c.members) {
        best.members.push(m);
      }
    } else {
      const copy: Cluster = { ...c, tokens: c.tokens.slice(), members: c.members.slice() };
      reps.push(copy);
      out.push(copy);
    }
  }
  return out;
}

// Share of positions that agree; a placeholder on either side agrees with anything.
function similarity(template: string[], tokens: string[]): number {
  if (template.length === 0) {
    return 1;
  }
  let same = 0;
  for (let i = 0; i < template.length; i++) {
    const t = template[i];
    if (t === WILDCARD || t === tokens[i] || tokens[i] === WILDCARD) {
      same++;
    }
  }
  return same / template.length;
}

/** Mines templates for a batch of messages; `result[i]` is the final template of `messages[i]`. */
export function mineTemplates(
  messages: readonly string[],
  options?: TemplateMinerOptions,
  work?: WorkCounter
): string[] {
  const miner = new TemplateMiner(options, work);
  const ids = messages.map((m) => miner.add(m));
  return ids.map((id) => miner.template(id));
}
