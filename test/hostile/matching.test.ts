import { afterAll, describe, expect, it } from 'vitest';
import { NodeOutput } from '../../src/scenario/node-output.js';
import { MatchDeadlineError, MatchPool } from '../../src/scenario/match/match-pool.js';
import { toPattern, UnsafePatternError } from '../../src/topology/pattern.js';
import { AbortedError } from '../../src/scenario/scenario-errors.js';

// Issue 16, finding 1: a pattern or an output must never freeze the controller.
describe('matching cannot freeze the controller', () => {
  const pool = new MatchPool(2);
  afterAll(() => pool.close());

  it('runs a catastrophic pattern through RE2 (linear), so ^(a+)+$ on 40 a\'s answers at once', async () => {
    const p = toPattern('^(a+)+$');
    expect(p.engine).toBe('re2');
    const out = new NodeOutput('s');
    out.push('stdout', Buffer.from(`${'a'.repeat(40)}!`));
    await expect(out.absent(p, 20)).resolves.toBeUndefined();
  });

  it('refuses a V8-only pattern with nested quantifiers (a lookahead keeps RE2 out)', () => {
    expect(() => toPattern('^(a+)+$(?=x)')).toThrow(UnsafePatternError);
  });

  it('a backtracking V8 pattern overrunning its deadline is stopped, its worker replaced, and timers keep firing meanwhile', async () => {
    // (?=a)(a|aa)*b is not caught by star height, takes exponential time, and RE2 cannot run it.
    const p = toPattern('^(?=a)(a|aa)*b');
    expect(p.engine).toBe('v8');
    let ticks = 0;
    const tick = setInterval(() => ticks++, 10);
    const before = pool.terminated;
    const e = await pool.exec(p, 'a'.repeat(60), 300).catch((x) => x);
    clearInterval(tick);
    expect(e).toBeInstanceOf(MatchDeadlineError);
    expect(pool.terminated).toBe(before + 1);
    expect(ticks).toBeGreaterThan(5); // the event loop ran while the worker was stuck
    // The pool still works afterwards.
    await expect(pool.exec(toPattern('(?=b)b'), 'ab', 1000)).resolves.toMatchObject({ index: 1, match: 'b' });
  });

  it('an abort (Ctrl-C) ends a stuck match at once', async () => {
    const ctl = new AbortController();
    const p = toPattern('^(?=a)(a|aa)*b');
    const waiting = pool.exec(p, 'a'.repeat(60), 60_000, ctl.signal);
    setTimeout(() => ctl.abort(), 50);
    await expect(waiting).rejects.toBeInstanceOf(AbortedError);
  });

  it('a match waiting for a worker ends at its own deadline, while the busy worker is still stuck', async () => {
    const one = new MatchPool(1);
    const ctl = new AbortController();
    let stuckEnded = false;
    const stuck = one.exec(toPattern('^(?=a)(a|aa)*b'), 'a'.repeat(60), 600_000, ctl.signal).finally(() => (stuckEnded = true));
    const queued = await one.exec(toPattern('(?=b)b'), 'ab', 100).catch((x) => x);
    expect(queued).toBeInstanceOf(MatchDeadlineError);
    expect(stuckEnded).toBe(false); // it did not wait for the worker to come free
    ctl.abort();
    await expect(stuck).rejects.toBeInstanceOf(AbortedError);
    // The pool goes on: the next match gets a fresh worker.
    await expect(one.exec(toPattern('(?=b)b'), 'ab', 10_000)).resolves.toMatchObject({ index: 1 });
    await one.close();
  });

  it('keeps a capped ring per node and counts what fell out, never holding the whole flood', () => {
    const out = new NodeOutput('flood', { ring: 64 * 1024 });
    const chunk = Buffer.alloc(16 * 1024, 'x');
    for (let i = 0; i < 1024; i++) out.push('stdout', chunk); // 16 MiB
    expect(out.received).toBe(16 * 1024 * 1024);
    expect(out.pending().length).toBeLessThanOrEqual(64 * 1024 + 16 * 1024);
    expect(out.dropped).toBeGreaterThan(15 * 1024 * 1024);
  });

  it('finds a prompt at the end of a large flood (search window of the newest output)', async () => {
    const out = new NodeOutput('flood', { window: 64 * 1024 });
    for (let i = 0; i < 64; i++) out.push('stdout', Buffer.alloc(64 * 1024, 'y'));
    out.push('stdout', Buffer.from('\nusername: '));
    await expect(out.expect(toPattern('(?i)^[^\\n]*user[^\\n]*:[ \\t]*$'), 5000)).resolves.toMatchObject({ match: 'username: ' });
  });
});
