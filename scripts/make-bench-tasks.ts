/**
 * Writes datasets/bench-tasks.jsonl: the project's own bench task set, ≥ 120 tasks across the design's action
 * types, each with its expected format and a checkable expectation. Deterministic (no randomness).
 * Usage: npx tsx scripts/make-bench-tasks.ts [OUT]
 */
import { writeFileSync } from 'node:fs';
import type { BenchTask } from '../src/bench/tasks.js';

const tasks: BenchTask[] = [];
const add = (
  task: Omit<BenchTask, 'required_fields' | 'expects'> &
    Partial<Pick<BenchTask, 'required_fields' | 'expects'>>,
): void => {
  tasks.push({ expects: 'text', required_fields: [], ...task });
};

// classification (SIMPLE): sentiment of short reviews
const reviews: [string, 'positive' | 'negative'][] = [
  ['The battery lasts all day and the screen is gorgeous.', 'positive'],
  ['It stopped working after two days and support never answered.', 'negative'],
  ['Fast delivery, well packed, exactly as described.', 'positive'],
  ['The zipper broke the first time I used it.', 'negative'],
  ['Best purchase I made this year, highly recommended.', 'positive'],
  ['Terrible sound quality and the app keeps crashing.', 'negative'],
  ['Comfortable, light and the colour is lovely.', 'positive'],
  ['Arrived late, scratched, and missing the charger.', 'negative'],
  ['Setup took two minutes and it just works.', 'positive'],
  ['Overpriced for what it does; I returned it.', 'negative'],
  ['My kids love it and it survived a fall down the stairs.', 'positive'],
  ['The instructions are wrong and the parts do not fit.', 'negative'],
  ['Great value, solid build, quiet motor.', 'positive'],
  ['It smells of chemicals and gave me a headache.', 'negative'],
  ['Friendly staff and the room was spotless.', 'positive'],
  ['Noisy, cold, and the wifi never worked.', 'negative'],
  ['Crisp photos even in low light.', 'positive'],
  ['The strap snapped and the watch fell into the sea.', 'negative'],
];
reviews.forEach(([text, label], i) =>
  add({
    id: `classify-${i + 1}`,
    action: 'classification',
    prompt: `Classify the sentiment of this review as positive or negative. Answer as JSON {"label": ..., "confidence": ...}.\nReview: ${text}`,
    expects: 'json',
    required_fields: ['label', 'confidence'],
    check: { kind: 'label', value: label, field: 'label' },
  }),
);

// yes/no (SIMPLE): arithmetic facts with known answers
const isPrime = (n: number): boolean =>
  n > 1 && Array.from({ length: Math.floor(Math.sqrt(n)) - 1 }, (_, i) => i + 2).every((d) => n % d !== 0);
[2, 9, 13, 21, 29, 33, 37, 49, 51, 53, 57, 61, 77, 83, 91, 97, 101, 111].forEach((n, i) =>
  add({
    id: `yesno-${i + 1}`,
    action: 'yes_no',
    prompt: `Is ${n} a prime number? Answer as JSON {"answer": "yes" or "no", "reason": ...}.`,
    expects: 'json',
    required_fields: ['answer', 'reason'],
    check: { kind: 'yes_no', value: isPrime(n) ? 'yes' : 'no' },
  }),
);

// extraction (SIMPLE): invoice fields
const vendors = [
  'ACME GmbH',
  'Northwind Ltd',
  'Globex Inc',
  'Initech',
  'Umbrella Corp',
  'Stark Industries',
  'Wayne Enterprises',
  'Hooli',
  'Vandelay Imports',
  'Soylent Co',
  'Cyberdyne',
  'Tyrell Corp',
  'Aperture Labs',
  'Wonka Ltd',
  'Oscorp',
  'Gringotts',
];
vendors.forEach((vendor, i) => {
  const date = `2026-${String((i % 12) + 1).padStart(2, '0')}-${String(((i * 3) % 27) + 1).padStart(2, '0')}`;
  const amount = (120 + i * 37.5).toFixed(2);
  add({
    id: `extract-${i + 1}`,
    action: 'extraction',
    prompt: `Extract the vendor name, the invoice date (YYYY-MM-DD) and the total amount as JSON {"name", "date", "amount"}.\nEmail: Hello, please find attached invoice INV-${1000 + i} from ${vendor}, dated ${date}, total due EUR ${amount}. Kind regards.`,
    expects: 'json',
    required_fields: ['name', 'date', 'amount'],
    check: { kind: 'json_fields', fields: { name: vendor, date, amount: Number(amount) } },
  });
});

// list / tag (SIMPLE)
const words = [
  'education',
  'rhythm',
  'aeroplane',
  'queue',
  'strength',
  'audio',
  'sky',
  'banana',
  'onomatopoeia',
  'crypt',
  'idea',
  'eunoia',
];
words.forEach((word, i) => {
  const vowels = [...new Set(word.split('').filter((c) => 'aeiou'.includes(c)))];
  add({
    id: `list-${i + 1}`,
    action: 'list',
    prompt: `List the distinct vowels (a, e, i, o, u) in the word "${word}" as JSON {"items": [...]}; an empty list if none.`,
    expects: 'json',
    required_fields: ['items'],
    check: vowels.length
      ? { kind: 'contains', values: vowels.map((v) => `"${v}"`) }
      : { kind: 'json_fields', fields: {} },
  });
});
const logs: [string, string][] = [
  ['ERROR db: connection pool exhausted after 30s', 'database'],
  ['WARN http: 502 from upstream /api/orders', 'network'],
  ['ERROR auth: token signature invalid for user 42', 'auth'],
  ['INFO scheduler: job nightly-backup finished in 312s', 'scheduler'],
  ['ERROR disk: /var/lib is 98% full', 'storage'],
  ['WARN auth: password reset requested 14 times from one IP', 'auth'],
  ['ERROR db: deadlock detected on table orders', 'database'],
  ['WARN http: TLS handshake timeout to payments.example', 'network'],
];
logs.forEach(([line, tag], i) =>
  add({
    id: `tag-${i + 1}`,
    action: 'tag',
    prompt: `Tag this log line with one subsystem: database, network, auth, scheduler or storage. Answer as JSON {"tags": [...]}.\n${line}`,
    expects: 'json',
    required_fields: ['tags'],
    check: { kind: 'contains', values: [tag] },
  }),
);

// reasoning (MODERATE): word problems with numeric answers
for (let i = 0; i < 16; i++) {
  const a = 3 + i;
  const b = 2 + ((i * 5) % 9);
  const c = 4 + ((i * 7) % 11);
  add({
    id: `reason-${i + 1}`,
    action: 'reasoning',
    prompt: `A warehouse has ${a} shelves with ${b} boxes each. Each box holds ${c} items. ${i} boxes are empty. How many items are in the warehouse? Show your reasoning, then give the final number on the last line.`,
    check: { kind: 'number', value: (a * b - i) * c, tolerance: 0 },
  });
}

// code generation (MODERATE): Python functions with tests
const functions: [string, string, string][] = [
  ['add(a, b)', 'returns the sum of a and b', 'assert add(2, 3) == 5\nassert add(-1, 1) == 0'],
  [
    'is_palindrome(s)',
    'returns True when the string s reads the same backwards, ignoring case',
    "assert is_palindrome('Level')\nassert not is_palindrome('hello')",
  ],
  [
    'fizzbuzz(n)',
    "returns 'Fizz' for multiples of 3, 'Buzz' for 5, 'FizzBuzz' for both, else str(n)",
    "assert fizzbuzz(15) == 'FizzBuzz'\nassert fizzbuzz(9) == 'Fizz'\nassert fizzbuzz(7) == '7'",
  ],
  ['flatten(items)', 'flattens one level of nested lists', 'assert flatten([[1, 2], [3], []]) == [1, 2, 3]'],
  [
    'word_count(text)',
    'returns a dict of word -> count, lower-cased, split on whitespace',
    "assert word_count('a B a') == {'a': 2, 'b': 1}",
  ],
  [
    'parse_json_object(text)',
    'parses JSON text and raises ValueError unless it is an object',
    "assert parse_json_object('{\"a\": 1}') == {'a': 1}\ntry:\n    parse_json_object('[1]')\n    raise AssertionError('no error')\nexcept ValueError:\n    pass",
  ],
  [
    'median(values)',
    'returns the median of a non-empty list of numbers',
    'assert median([3, 1, 2]) == 2\nassert median([4, 1, 3, 2]) == 2.5',
  ],
  [
    'chunk(items, size)',
    'splits a list into lists of at most size items',
    'assert chunk([1, 2, 3, 4, 5], 2) == [[1, 2], [3, 4], [5]]',
  ],
  [
    'celsius_to_fahrenheit(c)',
    'converts Celsius to Fahrenheit',
    'assert celsius_to_fahrenheit(100) == 212\nassert celsius_to_fahrenheit(0) == 32',
  ],
  [
    'dedupe(items)',
    'removes duplicates keeping the first occurrence order',
    'assert dedupe([3, 1, 3, 2, 1]) == [3, 1, 2]',
  ],
  [
    'title_case(s)',
    'capitalises the first letter of every word',
    "assert title_case('hello big world') == 'Hello Big World'",
  ],
  [
    'safe_div(a, b)',
    'divides a by b and returns None when b is 0',
    'assert safe_div(6, 3) == 2\nassert safe_div(1, 0) is None',
  ],
];
functions.forEach(([signature, behaviour, tests], i) =>
  add({
    id: `codegen-${i + 1}`,
    action: 'code_generation',
    prompt: `Write a Python function ${signature} that ${behaviour}. Reply with the code only.`,
    expects: 'python',
    check: { kind: 'python_tests', tests, entry_point: signature.split('(')[0]! },
  }),
);

// edit (MODERATE): fix a bug
const buggy: [string, string, string][] = [
  ['def area(w, h):\n    return w + h', 'area should multiply width and height', 'assert area(3, 4) == 12'],
  [
    'def last(items):\n    return items[len(items)]',
    'last should return the last item',
    'assert last([1, 2, 3]) == 3',
  ],
  [
    'def is_even(n):\n    return n % 2 == 1',
    'is_even is inverted',
    'assert is_even(4)\nassert not is_even(3)',
  ],
  [
    'def total(prices):\n    s = 0\n    for p in prices:\n        s = p\n    return s',
    'total should add all prices',
    'assert total([1, 2, 3]) == 6',
  ],
  [
    'def greet(name):\n    return "Hello, " + name.upper',
    'greet should return Hello, NAME in upper case',
    "assert greet('ann') == 'Hello, ANN'",
  ],
  [
    'def count_a(s):\n    return s.count("A")',
    'count_a should count a and A',
    "assert count_a('Banana A') == 4",
  ],
  [
    'def clamp(x, lo, hi):\n    return max(lo, min(x, lo))',
    'clamp should keep x within lo..hi',
    'assert clamp(5, 0, 3) == 3\nassert clamp(-1, 0, 3) == 0\nassert clamp(2, 0, 3) == 2',
  ],
  [
    'def reverse_words(s):\n    return " ".join(s.split())',
    'reverse_words should reverse the order of words',
    "assert reverse_words('a b c') == 'c b a'",
  ],
];
buggy.forEach(([code, issue, tests], i) =>
  add({
    id: `edit-${i + 1}`,
    action: 'edit_file',
    prompt: `Fix the bug: ${issue}. Reply with the corrected Python code only.\n\n${code}`,
    expects: 'python',
    check: { kind: 'python_tests', tests },
  }),
);
[
  'export function sum(xs: number[]): number {\n  return xs.reduce((a, b) => a + b, 0);\n}',
  'export const isEmpty = (s: string): boolean => s.trim().length === 0;',
  'export function pick<T, K extends keyof T>(o: T, keys: K[]): Pick<T, K> {\n  const out = {} as Pick<T, K>;\n  for (const k of keys) out[k] = o[k];\n  return out;\n}',
  'export class Counter {\n  private n = 0;\n  inc(): number {\n    return ++this.n;\n  }\n}',
].forEach((code, i) =>
  add({
    id: `edit-ts-${i + 1}`,
    action: 'edit_file',
    prompt: `Add a one-line doc comment above this TypeScript and return the whole file.\n\n${code}`,
    expects: 'typescript',
    check: { kind: 'code_parses' },
  }),
);

// summarisation (MODERATE)
const texts: [string, string[]][] = [
  [
    'The release moves the payment service to the new queue, adds retries with backoff, and removes the legacy cron job that reconciled invoices every night.',
    ['queue', 'retr'],
  ],
  [
    'Customers reported slow checkouts on Monday. The cause was a missing database index on orders.created_at; adding it cut p95 latency from 4 s to 300 ms.',
    ['index'],
  ],
  [
    'The team agreed to freeze features for two weeks, fix the flaky integration tests, and publish a postmortem of the outage by Friday.',
    ['test', 'postmortem'],
  ],
  [
    'Version 2.0 drops Python 3.8, switches the CLI to subcommands, and stores configuration in TOML instead of INI files.',
    ['toml'],
  ],
  [
    'The audit found that 14 service accounts still had admin rights; 11 were downgraded and 3 were deleted.',
    ['admin'],
  ],
  [
    'Marketing will launch the spring campaign on April 2 in Germany and France, with a budget of 40,000 euros.',
    ['april', 'campaign'],
  ],
  [
    'The migration copies 2 TB from the old cluster overnight, verifies checksums, and switches traffic on Sunday at 06:00.',
    ['checksum', 'sunday'],
  ],
  [
    'Support tickets fell by 18% after the new onboarding guide, while the average first response time stayed at 2 hours.',
    ['18%'],
  ],
];
texts.forEach(([text, keywords], i) =>
  add({
    id: `summary-${i + 1}`,
    action: 'summarization',
    prompt: `Summarise in one sentence:\n${text}`,
    check: { kind: 'contains', values: keywords },
  }),
);

// orchestration (COMPLEX): a JSON plan with required keys
const goals = [
  'migrate the user table to a new schema without downtime',
  'add dark mode to the web and mobile apps',
  'investigate a memory leak in the API servers',
  'prepare the quarterly security review',
  'launch the product in two new countries',
  'split the monolith billing module into a service',
  'set up nightly load tests against staging',
  'roll out feature flags to every team',
  'reduce cloud spend by 20%',
  'replace the logging stack',
];
goals.forEach((goal, i) =>
  add({
    id: `orchestrate-${i + 1}`,
    action: 'orchestration',
    prompt: `Plan how a team of agents should ${goal}. Answer as JSON {"plan": "...", "steps": [...], "agents": [...]}.`,
    expects: 'json',
    required_fields: ['plan', 'steps', 'agents'],
    check: { kind: 'contains', values: ['"steps"', '"agents"'] },
  }),
);

const out = process.argv[2] ?? new URL('../datasets/bench-tasks.jsonl', import.meta.url).pathname;
writeFileSync(out, tasks.map((t) => JSON.stringify(t)).join('\n') + '\n');
const byAction = tasks.reduce<Record<string, number>>(
  (m, t) => ({ ...m, [t.action]: (m[t.action] ?? 0) + 1 }),
  {},
);
console.log(
  `wrote ${tasks.length} tasks to ${out}: ${Object.entries(byAction)
    .map(([a, n]) => `${a} ${n}`)
    .join(', ')}`,
);
