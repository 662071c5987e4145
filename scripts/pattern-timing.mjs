// Times every pattern of the grading topologies (expect, absent, contains, not_contains;
// templates filled with sample values) on adversarial outputs, to show they are linear.
//
//   npm run build && node scripts/pattern-timing.mjs [size] [topology.yaml ...]
//
// size: bytes per input (default 1048576 = 1 MiB); topologies default to both grading ones.
// Prints, per input, the slowest pattern and its time, then the slowest overall; exits 1 if
// any single match took more than 1 s (a pattern that is not linear takes minutes at 1 MiB).
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { render } from '../dist/topology/template.js';
import { compilePattern } from '../dist/topology/pattern.js';

const size = Number(process.argv[2] ?? 1 << 20);
const files = process.argv.slice(3).length ? process.argv.slice(3) : ['topologies/grading/bluetrace.yaml', 'topologies/grading/chat.yaml'];

// Captured values a scenario would have: a 20-digit TempID, a message number, a time.
const CAPTURED = { tid: '12345678901234567890', t2: '12345678901234567890', t3: '98765432109876543210', t4: '11111111111111111111', n: '1', t: '02 Dec 2026 07:00:00', d: 'ab'.repeat(32) };

function scopeFor(topology) {
  const nodes = new Proxy({}, { has: () => true, get: () => ({ ip: '10.77.3.4' }) });
  return { vars: topology.vars ?? {}, nodes, server: { ip: '10.77.3.2' }, self: { ip: '10.77.3.4' }, p: { node: 'phone1', user: '+61410000001', pass: 'alpha1' }, n: 'phone1', ...CAPTURED };
}

function* patterns(steps, where) {
  for (const [i, s] of (steps ?? []).entries()) {
    if (!s || typeof s !== 'object') continue;
    for (const k of ['expect', 'absent', 'contains', 'not_contains']) if (typeof s[k] === 'string' && !s.literal) yield { where: `${where} step ${i + 1} ${k}`, text: s[k] };
    if (s.foreach) yield* patterns(s.foreach.steps, `${where} step ${i + 1} foreach`);
    for (const b of s.parallel ?? []) yield* patterns(Array.isArray(b) ? b : b.steps, `${where} step ${i + 1} parallel`);
  }
}

const fill = (unit, n = size) => unit.repeat(Math.ceil(n / unit.length)).slice(0, n);
const INPUTS = {
  'one line of a': fill('a'),
  'newlines only': fill('\n'),
  'one line of digits': fill('1'),
  'user user ... (no colon)': fill('user '),
  'username: x username: x ...': fill('username: x '),
  'password ... (no colon)': fill('password'),
  'colons and spaces': fill(': '),
  'TempID tokens, no "valid"': fill(`${CAPTURED.t2} `),
  'TempID lines, each invalid': fill(`beacon ${CAPTURED.t2} invalid\n`),
  'phone numbers, no time': fill('+61410000002 +61410000003 '),
  'near-miss times 12:34:5': fill('12:34:5 '),
  'jess; 10.77.3.4; (no port)': fill('jess; 10.77.3.4; '),
  'welcome-less login chatter': fill('Login unsuccessful, please try again\n'),
  'hex-ish': fill('0123456789abcdef'),
  'random printable lines': Array.from({ length: size }, (_, i) => (i % 80 === 79 ? '\n' : String.fromCharCode(32 + ((i * 7919) % 95)))).join(''),
};

let worst = { ms: 0 };
const perInput = {};
for (const file of files) {
  const topology = parse(readFileSync(file, 'utf8'));
  const scope = scopeFor(topology);
  const list = [];
  for (const sc of topology.scenarios ?? []) list.push(...patterns(sc.steps, `${file}: ${sc.name}:`));
  const seen = new Set();
  for (const { where, text } of list) {
    const src = render(text, scope);
    if (seen.has(src)) continue;
    seen.add(src);
    const re = compilePattern(src);
    for (const [name, input] of Object.entries(INPUTS)) {
      const t0 = performance.now();
      re.exec(input);
      const ms = performance.now() - t0;
      if (!perInput[name] || ms > perInput[name].ms) perInput[name] = { ms, where, src };
      if (ms > worst.ms) worst = { ms, where, src, input: name };
    }
  }
  console.log(`${file}: ${seen.size} distinct patterns`);
}
console.log(`\ninput size ${size} bytes; slowest pattern per input:`);
for (const [name, r] of Object.entries(perInput)) console.log(`  ${r.ms.toFixed(1).padStart(8)} ms  ${name.padEnd(30)} ${r.where}`);
console.log(`\nslowest: ${worst.ms.toFixed(1)} ms on "${worst.input}": ${worst.where}\n  /${worst.src}/`);
process.exitCode = worst.ms > 1000 ? 1 : 0;
