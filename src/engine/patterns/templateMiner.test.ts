import {
  maskMessage,
  mineTemplates,
  replaceValueSegments,
  TemplateMiner,
  tokenizeMessage,
  VALUE_SEGMENT,
  WILDCARD,
  type WorkCounter,
} from './templateMiner';
import fc from 'fast-check';

import { templateMatches } from './templateFilter';

describe('maskMessage', () => {
  it.each([
    ['request 42 took 250ms', 'request <*> took <*>'],
    ['user=alice uid=1000 gid=1000', 'user=alice uid=<*> gid=<*>'],
    ['id 3f2a9c1e-8b7d-4c6e-9f10-2a3b4c5d6e7f done', 'id <*> done'],
    ['connect to 10.0.0.12:8080 failed', 'connect to <*> failed'],
    ['blk_-1608999687919862906 replicated', '<*> replicated'],
    ['hash deadbeefcafe ok', 'hash <*> ok'],
    ['tag="View Lock" held', 'tag="<*>" held'],
    ['said "a \\"b\\" c" twice', 'said <*> twice'],
    ['mail bob@example.com now', 'mail <*> now'],
    ['chrome.exe - proxy.cse.example.edu.hk:5070 close', 'chrome.exe - <*> close'],
    ['open through proxy p.example.com HTTPS', 'open through proxy <*> HTTPS'],
    ['node-a.internal:8080 down', '<*> down'],
    ['java.io.IOException at org.apache.Client.call:42', 'java.io.IOException at org.apache.Client.call:<*>'],
    ['mapred.job.id is deprecated; main.py', 'mapred.job.id is deprecated; main.py'],
    ['1190 bytes (1.16 KB) sent, 850 bytes (850 bytes) received', '<*> bytes <*> sent, <*> bytes <*> received'],
    ['"GET /v2/54fadb41/servers/detail?x=1 HTTP/1.1" 200', '"GET /<*>/<*>/servers/detail?<*> HTTP/<*>" <*>'],
    ['"DELETE /v2/abc/servers/7c8d HTTP/1.1"', '"DELETE /<*>/abc/servers/<*> HTTP/<*>"'],
    ['GET https://example.com/a?b=c ok', 'GET <*> ok'],
    ['flag=true other=null', 'flag=<*> other=<*>'],
    ['at Fri Jun 17 07:07:00 2005 done', 'at <*> done'],
    ['empty () and []', 'empty <*> and <*>'],
    ['stack @0x1 @0x2 @0x3 end', 'stack <*> end'],
    ['icache prefetch depth....................0', 'icache prefetch depth....................<*>'],
    ['  spaced\tout  ', 'spaced out'],
    ['the <*> stays', 'the <*> stays'],
  ])('%s', (input, expected) => {
    expect(maskMessage(input)).toBe(expected);
  });

  it('keeps words that merely contain hex letters', () => {
    expect(maskMessage('added feedback')).toBe('added feedback');
  });
});

describe('tokenizeMessage', () => {
  it('returns no tokens for an empty or blank message', () => {
    expect(tokenizeMessage('')).toEqual([]);
    expect(tokenizeMessage('   ')).toEqual([]);
  });

  it('caps the number of tokens and marks the cut with a placeholder', () => {
    const tokens = tokenizeMessage(
      Array.from({ length: 50 }, (_, i) => `w${String.fromCharCode(97 + (i % 26))}`).join(' '),
      {
        maxTokens: 10,
      }
    );
    expect(tokens).toHaveLength(11);
    expect(tokens[10]).toBe(WILDCARD);
  });

  it('caps the characters considered, cutting between tokens', () => {
    expect(tokenizeMessage('alpha beta gamma delta', { maxLineChars: 12 })).toEqual(['alpha', 'beta', WILDCARD]);
    expect(tokenizeMessage('z'.repeat(100), { maxLineChars: 10 })).toEqual([WILDCARD]);
  });
});

describe('mineTemplates', () => {
  it('gives lines of one event one template and different events different ones', () => {
    const lines = [
      'Accepted password for alice from 10.0.0.1 port 51234 ssh2',
      'Accepted password for bob from 10.0.0.2 port 51235 ssh2',
      'Accepted password for carol from 10.0.0.3 port 51236 ssh2',
      'Connection closed by 10.0.0.9 port 22',
      'Connection closed by 10.0.0.8 port 23',
    ];
    const t = mineTemplates(lines);
    // `ssh2` holds a digit, so it joins the port number's placeholder.
    expect(t[0]).toBe('Accepted password for <*> from <*> port <*>');
    expect(new Set(t.slice(0, 3)).size).toBe(1);
    expect(t[3]).toBe('Connection closed by <*> port <*>');
    expect(t[4]).toBe(t[3]);
  });

  it('keeps two-valued words apart: they usually name different events', () => {
    const t = mineTemplates(['cupsd startup succeeded', 'cupsd shutdown succeeded', 'cupsd startup succeeded']);
    expect(t[0]).toBe('cupsd startup succeeded');
    expect(t[1]).toBe('cupsd shutdown succeeded');
  });

  it('turns a word position with three or more values into a parameter', () => {
    const users = ['root', 'news', 'cyrus', 'test'];
    const t = mineTemplates(users.map((u) => `session closed for user ${u}`));
    expect(new Set(t)).toEqual(new Set(['session closed for user <*>']));
  });

  it('carries a proven parameter column over to related lines', () => {
    const lines = [
      'auth failure rhost=10.0.0.1 user=root',
      'auth failure rhost=alpha user=root',
      'auth failure rhost=beta user=root',
      'auth failure rhost=10.0.0.2 user=guest',
      'auth failure rhost=10.0.0.3 user=test',
    ];
    expect(new Set(mineTemplates(lines))).toEqual(new Set(['auth failure <*> <*>']));
  });

  it('shares a template across argument lists of different lengths', () => {
    const t = mineTemplates(['called (stack @0x1 @0x2)', 'called (stack @0x1 @0x2 @0x3 @0x4)']);
    expect(t[0]).toBe(t[1]);
  });

  it('does not depend on input order', () => {
    const lines = [
      'job 1 started on node-a',
      'job 2 started on node-b',
      'job 3 started on node-c',
      'job 4 finished',
      'disk full on /dev/sda1',
      'cache miss for key alpha',
      'cache miss for key beta',
    ];
    const forward = mineTemplates(lines);
    const reversed = mineTemplates(lines.slice().reverse()).reverse();
    expect(reversed).toEqual(forward);
  });

  it('handles empty input and empty lines', () => {
    expect(mineTemplates([])).toEqual([]);
    expect(mineTemplates(['', ''])).toEqual(['', '']);
  });
});

describe('mineTemplates on formats it was not tuned on', () => {
  it('groups proxy lines whatever the program, host and optional size', () => {
    const programs = ['chrome.exe', 'firefox.exe', 'svchost.exe'];
    const hosts = ['proxy.cse.example.edu.hk:5070', 'gw.example.com:443', 'mail.example.org:993'];
    const shapes = [
      'close, 1190 bytes (1.16 KB) sent, 1671 bytes (1.63 KB) received, lifetime 00:02',
      'close, 403 bytes sent, 2140 bytes (2.08 KB) received, lifetime 00:00',
      'close, 850 bytes sent, 310 bytes received, lifetime 00:01',
    ];
    const lines = shapes.flatMap((shape, k) => programs.map((p, i) => `${p} - ${hosts[(i + k) % 3]} ${shape}`));
    const templates = mineTemplates(lines);
    expect(new Set(templates)).toEqual(
      new Set(['<*> - <*> close, <*> bytes<*> sent, <*> bytes<*> received, lifetime <*>'])
    );
    lines.forEach((l, i) => expect(templateMatches(templates[i], l)).toBe(true));
  });

  it('keeps capitalized event words after a bracketed id apart', () => {
    const events = ['Started', 'Paused', 'Resumed', 'Stopped'];
    const lines = events.flatMap((e, k) =>
      [1, 2, 3].map((n) => `[instance: 6e84c0d4-1a2b-4c5d-8e9f-${k}${n}aabbccddee] VM ${e} (Lifecycle Event)`)
    );
    const templates = mineTemplates(lines);
    expect(new Set(templates).size).toBe(4);
    expect(templates[0]).toBe('[instance: <*> VM Started (Lifecycle Event)');
  });

  it('keeps HTTP methods and routes of quoted request lines apart', () => {
    const lines = [
      '10.0.0.1 "GET /v2/54fadb41/servers/detail HTTP/1.1" status: 200 len: 1893 time: 0.24',
      '10.0.0.2 "GET /v2/9a3b7c11/servers/detail HTTP/1.1" status: 200 len: 1710 time: 0.31',
      '10.0.0.1 "POST /v2/54fadb41/os-server-external-events HTTP/1.1" status: 200 len: 380 time: 0.08',
      '10.0.0.3 "DELETE /v2/54fadb41/servers/7c8d1e HTTP/1.1" status: 204 len: 0 time: 0.12',
    ];
    const templates = mineTemplates(lines);
    expect(templates[0]).toBe(templates[1]);
    expect(new Set(templates).size).toBe(3);
    expect(templates[0]).toBe('<*> "GET /<*>/<*>/servers/detail HTTP/<*>" status: <*> len: <*> time: <*>');
  });

  it('merges lines led by varying program names when the rest is the same event', () => {
    const programs = ['sshd', 'crond', 'httpd', 'named'];
    const t = mineTemplates(programs.map((p) => `${p} received signal to reload its configuration file`));
    expect(new Set(t)).toEqual(new Set(['<*> received signal to reload its configuration file']));
    // A short line is led by its event word: those stay apart.
    const short = mineTemplates(['boot (command 1)', 'wait (command 2)', 'halt (command 3)']);
    expect(new Set(short).size).toBe(3);
  });
});

describe('mineTemplates properties on optional parts and leading names', () => {
  // Few words, optional numbers and sizes, hosts and request lines: the shapes the length-tolerant
  // and first-word merges act on.
  const part = fc.oneof(
    fc.constantFrom('close', 'bytes', 'sent', 'VM', 'Started', 'Paused', 'Resumed', 'Stopped', 'user', 'a.b'),
    fc.constantFrom('(1.2 KB)', '(850 bytes)', 'gw.example.com:443', '"GET /v2/x1/servers HTTP/1.1"', '"POST /a"'),
    fc.integer({ min: 0, max: 99 }).map(String),
    fc.constant('')
  );
  const line = fc.array(part, { minLength: 1, maxLength: 8 }).map((p) => p.filter((w) => w !== '').join(' '));
  const lines = fc.array(line, { minLength: 1, maxLength: 50 });

  it('gives every line a template that matches it, whatever the order', () => {
    fc.assert(
      fc.property(lines, fc.infiniteStream(fc.nat()), (input, rnd) => {
        const templates = mineTemplates(input);
        input.forEach((l, i) => expect(templateMatches(templates[i], l)).toBe(true));
        const order = input.map((_, i) => i);
        for (let i = order.length - 1; i > 0; i--) {
          const j = rnd.next().value % (i + 1);
          [order[i], order[j]] = [order[j], order[i]];
        }
        const shuffled = mineTemplates(order.map((i) => input[i]));
        order.forEach((from, to) => expect(shuffled[to]).toBe(templates[from]));
      }),
      { numRuns: 150 }
    );
  });
});

describe('TemplateMiner', () => {
  it('returns the same id for repeated and equally masked lines', () => {
    const miner = new TemplateMiner();
    const a = miner.add('took 5 ms');
    const b = miner.add('took 5 ms');
    const c = miner.add('took 7 ms');
    expect(a).toBe(b);
    expect(a).toBe(c);
    expect(miner.size).toBe(1);
    expect(miner.template(a)).toBe('took <*> ms');
  });

  it('refreshes templates when lines are added after a read', () => {
    const miner = new TemplateMiner();
    const first = miner.add('user x logged in');
    expect(miner.template(first)).toBe('user x logged in');
    miner.add('user y logged in');
    miner.add('user z logged in');
    expect(miner.template(first)).toBe('user <*> logged in');
  });
});

describe('hostile input', () => {
  it('handles 200 000 lines of a few events', () => {
    const lines = Array.from({ length: 200000 }, (_, i) =>
      i % 3 ? `GET /api/items/${i} took ${i % 997}ms status=${200 + (i % 5)}` : `cache miss for key k${i} after ${i}us`
    );
    const templates = mineTemplates(lines);
    expect(new Set(templates)).toEqual(new Set(['GET <*> took <*> status=<*>', 'cache miss for key <*> after <*>']));
  });

  it('stays bounded on very long token lists', () => {
    const line = Array.from({ length: 100000 }, (_, i) => (i % 2 ? 'x' : 'y')).join(' ');
    const [template] = mineTemplates([line]);
    expect(template.split(' ')).toHaveLength(129);
  });

  it.each([
    ['only digits', '9'.repeat(1024 * 1024)],
    ['only punctuation', '.,;:!?()[]{}<>"\'|=-_/\\'.repeat(50000)],
    ['dot runs', 'a..'.repeat(300000)],
    ['delimiters and digits', 'a=1:'.repeat(300000)],
    ['quotes', '"'.repeat(1024 * 1024)],
    ['escaped quotes', '"\\"'.repeat(300000)],
    ['lone surrogates', '\ud800 \udc00 \ud800x1 \ufffd'.repeat(1000)],
  ])('masks %s without throwing', (_, line) => {
    const [template] = mineTemplates([line]);
    expect(typeof template).toBe('string');
  });
});

describe('hostile input grows linearly', () => {
  // Deterministic generators for adversarial shapes: line i of a shape is the same in any run.
  function lcg(seed: number): () => number {
    let x = seed >>> 0;
    return () => {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      return x >>> 8;
    };
  }
  const lower = 'abcdefghijklmnopqrstuvwxyz';
  const alnum = lower + '0123456789';
  function word(next: () => number, alphabet: string, n: number): string {
    let w = '';
    for (let i = 0; i < n; i++) {
      w += alphabet[next() % alphabet.length];
    }
    return w;
  }
  function words(next: () => number, alphabet: string, count: number, length: number): string {
    return Array.from({ length: count }, () => word(next, alphabet, length)).join(' ');
  }
  const shapes: Array<[string, (next: () => number) => string]> = [
    ['random lower-case words sharing first word and length', (next) => 'start ' + words(next, lower, 8, 6)],
    ['random alphanumerics', (next) => words(next, alnum, 10, 8)],
    ['one line repeated', () => 'connection reset by peer while reading response header'],
    [
      'distinct digit shapes',
      (next) => Array.from({ length: 12 }, () => `k${'9'.repeat(1 + (next() % 9))}x`).join(' '),
    ],
    [
      'unicode words',
      (next) =>
        Array.from({ length: 10 }, () =>
          Array.from({ length: 4 }, () => String.fromCharCode(0x4e00 + (next() % 0x5000))).join('')
        ).join(' '),
    ],
    ['one word position varies among many events', (next) => `event ${next() % 50} user ${word(next, lower, 5)} done`],
    ['8 KiB of one-letter words', (next) => words(next, lower, 4096, 1)],
    ['one 8 KiB word', (next) => word(next, lower, 64).repeat(128)],
    ['8 KiB of random words', (next) => words(next, lower, 1024, 7).slice(0, 8192)],
  ];

  function workFor(make: (next: () => number) => string, n: number): number {
    const next = lcg(n);
    const lines = Array.from({ length: n }, () => make(next));
    const work: WorkCounter = { units: 0 };
    const templates = mineTemplates(lines, undefined, work);
    expect(templates).toHaveLength(n);
    return work.units;
  }

  it.each(shapes)('%s: twice the lines cost at most about twice the work', (_, make) => {
    const long = make(lcg(1)).length > 1000;
    const n = long ? 100 : 2000;
    const small = workFor(make, n);
    const large = workFor(make, 2 * n);
    expect(large).toBeGreaterThan(0);
    expect(large / Math.max(small, 1)).toBeLessThan(2.5);
  });

  it('keeps at most a bounded number of distinct sequences, and every template still matches', () => {
    const next = lcg(7);
    const lines = Array.from({ length: 32000 }, () => 'start ' + words(next, lower, 8, 6));
    const miner = new TemplateMiner();
    const ids = lines.map((l) => miner.add(l));
    // 2^18 retained tokens of 9-token sequences, plus the catch-all of `start`.
    expect(miner.size).toBeLessThanOrEqual(Math.floor((1 << 18) / 9) + 1);
    expect(miner.size).toBeGreaterThan(20000);
    for (let i = 0; i < lines.length; i += 97) {
      expect(templateMatches(miner.template(ids[i]), lines[i])).toBe(true);
    }
  });

  it('keeps a bounded number of characters when every line is one long distinct word', () => {
    const next = lcg(11);
    const miner = new TemplateMiner({ maxLineChars: 8192 });
    const lines = Array.from({ length: 2100 }, () => word(next, lower, 64).repeat(128));
    const ids = lines.map((l) => miner.add(l));
    // 2^24 retained characters of 8,192-character sequences, plus the catch-all `<*>`.
    expect(miner.size).toBe((1 << 24) / 8192 + 1);
    expect(miner.template(ids[ids.length - 1])).toBe(WILDCARD);
    expect(miner.template(ids[0])).toBe(lines[0]);
  });

  it('merges many clusters into few templates in linear work', () => {
    // The third word turns into a parameter among lines that agree elsewhere, then the second
    // does: thousands of clusters merge into one template, and the merge passes stay linear.
    const make = (next: () => number) => `start ${word(next, lower, 1)} ${word(next, lower, 4)} end`;
    const next = lcg(3);
    expect(new Set(mineTemplates(Array.from({ length: 4000 }, () => make(next)))).size).toBeLessThan(50);
    expect(workFor(make, 8000) / workFor(make, 4000)).toBeLessThan(2.5);
  });
});

describe('replaceValueSegments', () => {
  // The scanner must agree with the pattern it replaces, on tokens made of the pieces that
  // matter to it: delimiters, dots, digits, hex letters, literals and other characters.
  const pieces = [
    'a',
    'Z',
    'x',
    '_',
    '-',
    '/',
    '\u00e9',
    '.',
    '..',
    '0',
    '7',
    'deadbeef',
    'CAFE',
    'null',
    'None',
    'nan',
    'true',
    'undefined',
    'nil',
    '=',
    ':',
    ',',
    ';',
    '(',
    ')',
    '[',
    ']',
    '{',
    '}',
    '<',
    '>',
    "'",
    '"',
    '|',
  ];

  it('matches VALUE_SEGMENT on generated tokens', () => {
    let seed = 12345;
    const random = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed >>> 8) % n;
    };
    const mismatches: string[] = [];
    for (let k = 0; k < 20000; k++) {
      let token = '';
      for (let j = 1 + random(8); j > 0; j--) {
        token += pieces[random(pieces.length)];
      }
      if (replaceValueSegments(token) !== token.replace(VALUE_SEGMENT, WILDCARD)) {
        mismatches.push(token);
      }
    }
    expect(mismatches).toEqual([]);
  });

  it.each([
    ['size=123,', 'size=<*>,'],
    ['a.b1:x..c2', '<*>:x..<*>'],
    ['x:.b1', 'x:.b1'],
    ['v1.2.3.', '<*>.'],
    ['id=deadbeefcafe;null', 'id=<*>;<*>'],
    ['nullable=Nonesuch', 'nullable=Nonesuch'],
  ])('%p -> %p', (token, expected) => {
    expect(replaceValueSegments(token)).toBe(expected);
    expect(token.replace(VALUE_SEGMENT, WILDCARD)).toBe(expected);
  });
});

describe('TemplateMiner line shapes', () => {
  // Lines that differ only in their digits share masking work; the ids must still group exactly
  // like the masked token sequences do.
  it('groups lines exactly by their masked sequence', () => {
    const lines = [
      'port 80 open',
      'port 8080 open',
      'opt x:.5 set', // the digit survives masking: 5 and 7 are different events
      'opt x:.7 set',
      'opt x:.5 set',
      'id=0x1f ok',
      'id=0x12 ok',
      'at Fri Jun 17 07:07:00 2005 done',
      'at Fri Jun 1 7:7:0 15 done',
      `${'w '.repeat(10)}1`,
      `${'w '.repeat(10)}22`,
    ];
    const options = { maxLineChars: 20 };
    const miner = new TemplateMiner(options);
    const ids = lines.map((l) => miner.add(l));
    const sequences = lines.map((l) => tokenizeMessage(l, options).join(' '));
    for (let i = 0; i < lines.length; i++) {
      for (let j = 0; j < lines.length; j++) {
        expect([lines[i], lines[j], ids[i] === ids[j]]).toEqual([lines[i], lines[j], sequences[i] === sequences[j]]);
      }
    }
    expect(ids[2]).not.toBe(ids[3]);
    expect(ids[0]).toBe(ids[1]);
  });
});
