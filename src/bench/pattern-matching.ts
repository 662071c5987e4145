/**
 * Matching that cannot freeze the controller (issue 16): the grading topologies'
 * patterns (templates filled with sample captured values) searched in 1 MiB of
 * adversarial output each, through the same path a step takes (RE2 inline or in the
 * match pool, V8 in the pool with a deadline), with throughput per engine; and, while a
 * pathological pattern runs in the pool, how late a step's deadline fires and how long
 * the event loop is ever blocked (target: within 100 ms).
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadTopology } from '../topology/load-topology.js';
import { planPatterns } from '../topology/plan-patterns.js';
import { toPattern, type Pattern } from '../topology/pattern.js';
import { searchText } from '../scenario/match/search-text.js';
import { MatchPool } from '../scenario/match/match-pool.js';
import { NodeOutput } from '../scenario/node-output.js';
import { median } from './median.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SIZE = 1 << 20;
const CAPTURED = { tid: '12345678901234567890', t2: '12345678901234567890', t3: '98765432109876543210', t4: '11111111111111111111', t: '02 Dec 2026 07:00:00', d: 'ab'.repeat(32) };

/** Every pattern of a grading topology as a run compiles it (templates filled with samples): plan-patterns.ts. */
function patternsOf(file: string): Pattern[] {
  const out = new Map<string, Pattern>();
  for (const p of planPatterns(loadTopology(join(root, file)), CAPTURED)) if (p.pattern) out.set(`${p.pattern.flags}/${p.pattern.source}`, p.pattern);
  return [...out.values()];
}

const fill = (unit: string) => unit.repeat(Math.ceil(SIZE / unit.length)).slice(0, SIZE);
const INPUTS: Record<string, string> = {
  'random printable lines': Array.from({ length: SIZE }, (_, i) => (i % 80 === 79 ? '\n' : String.fromCharCode(32 + ((i * 7919) % 95)))).join(''),
  'user user ... (no colon)': fill('user '),
  'TempID lines, each invalid': fill(`beacon ${CAPTURED.t2} invalid\n`),
  'one line of a': fill('a'),
};

export default async function bench(): Promise<{ title: string; lines: string[] }> {
  const pool = new MatchPool(2);
  const lines: string[] = [];
  const pats = ['bluetrace', 'chat', 'crchat', 'quicchat'].flatMap((t) => patternsOf(`topologies/grading/${t}.yaml`));
  const per: Record<string, number[]> = { re2: [], v8: [] };
  let worst = { ms: 0, what: '' };
  for (const p of pats) {
    for (const [name, text] of Object.entries(INPUTS)) {
      const t0 = performance.now();
      await searchText(p, text, 30_000, undefined, pool).catch(() => null);
      const ms = performance.now() - t0;
      per[p.engine].push(ms);
      if (ms > worst.ms) worst = { ms, what: `${p.engine} /${p.source.slice(0, 60)}/ on "${name}"` };
    }
  }
  // The baseline: V8 scanning the same inputs for a literal that is not there (one memchr-like pass).
  const literal = /zq#never-printed#qz/;
  const base = median(
    Object.values(INPUTS).map((text) => {
      const t0 = performance.now();
      literal.exec(text);
      return performance.now() - t0;
    }),
  );
  lines.push(`baseline: V8 scanning 1 MiB for a literal that is absent, median ${base.toFixed(2)} ms`);
  for (const e of ['re2', 'v8'] as const) {
    if (!per[e].length) {
      lines.push(`${e}: no grading pattern runs on ${e}`);
      continue;
    }
    const m = median(per[e]);
    lines.push(
      `${e}: ${per[e].length / Object.keys(INPUTS).length} patterns, median ${m.toFixed(1)} ms per 1 MiB (${(1000 / m).toFixed(0)} MiB/s, ${(m / base).toFixed(0)}x the baseline), max ${Math.max(...per[e]).toFixed(0)} ms`,
    );
  }
  lines.push(`slowest: ${worst.ms.toFixed(0)} ms, ${worst.what}`);

  // A pathological pattern (exponential in V8, not RE2-expressible) under a 500 ms step deadline.
  let maxGap = 0;
  let last = performance.now();
  const tick = setInterval(() => {
    const now = performance.now();
    maxGap = Math.max(maxGap, now - last);
    last = now;
  }, 5);
  const out = new NodeOutput('bench');
  out.push('stdout', Buffer.from('a'.repeat(64)));
  const overshoots: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    await out.expect(toPattern('^(?=a)(a|aa)*b'), 500).catch(() => undefined);
    overshoots.push(performance.now() - t0 - 500);
  }
  clearInterval(tick);
  await pool.close();
  lines.push(`pathological /^(?=a)(a|aa)*b/ on 64 a's, step deadline 500 ms: fired ${median(overshoots).toFixed(0)} ms late (median of 3; target < 100); event loop blocked at most ${maxGap.toFixed(0)} ms`);
  return { title: 'pattern matching: grading patterns on 1 MiB, deadlines under a pathological pattern', lines };
}
