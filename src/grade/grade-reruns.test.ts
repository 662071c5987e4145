import { describe, expect, it } from 'vitest';
import type { LabResults } from '../lab/run-lab.js';
import type { LabPlan } from '../topology/lab-plan.js';
import { retryTimeouts, runSteady } from './grade-reruns.js';

const plan = (names: string[]) => ({ scenarios: names.map((name) => ({ name })) }) as unknown as LabPlan;
const engineDown = { error: { message: '(HTTP code 500) server error - cannot start a stopped process: unknown ' }, scenarios: [] } as unknown as LabResults;
const passed = (names: string[]) => ({ scenarios: names.map((name) => ({ name, status: 'passed' })) }) as unknown as LabResults;
const timedOut = (name: string) => ({ name, status: 'failed', failure: { message: `${name} did not print /x/ within 20.0s`, timedOut: true } });

describe('runSteady', () => {
  it('runs the lab once more when the engine failed under it, and says so', async () => {
    const runs: LabResults[] = [engineDown, passed(['a'])];
    const notes: string[] = [];
    const r = await runSteady(async () => runs.shift()!, plan(['a']), 'the lab', () => false, (n) => notes.push(n));
    expect(r.scenarios).toEqual([{ name: 'a', status: 'passed' }]);
    expect(notes).toEqual(['the lab hit an engine error and was run again: (HTTP code 500) server error - cannot start a stopped process: unknown']);
  });

  it('does not run again for an error of the lab or the submission, nor once stopped', async () => {
    let n = 0;
    const own = { error: { message: 'node server exited (code 1) before it was ready' }, scenarios: [] } as unknown as LabResults;
    await runSteady(async () => (n++, own), plan(['a']), 'the lab', () => false, () => undefined);
    await runSteady(async () => (n++, engineDown), plan(['a']), 'the lab', () => true, () => undefined);
    expect(n).toBe(2);
  });
});

describe('retryTimeouts', () => {
  it('grades what timed out again and takes the pass, with the first failure recorded', async () => {
    const results = { scenarios: [timedOut('slow'), { name: 'ok', status: 'passed' }] } as unknown as LabResults;
    const asked: string[][] = [];
    await retryTimeouts(plan(['slow', 'ok']), results, async (p) => (asked.push(p.scenarios.map((s) => s.name)), passed(['slow'])), new AbortController().signal, () => undefined);
    expect(asked).toEqual([['slow']]);
    expect(results.scenarios[0]).toMatchObject({ name: 'slow', status: 'passed', retried: { attempts: 2, firstFailure: 'slow did not print /x/ within 20.0s' } });
  });

  it('says so when the lab that grades timeouts again could not run: the first failure stands, not silently', async () => {
    const results = { scenarios: [timedOut('checking')] } as unknown as LabResults;
    const notes: string[] = [];
    await retryTimeouts(plan(['checking']), results, async () => engineDown, new AbortController().signal, (n) => notes.push(n));
    expect(results.scenarios[0]).toMatchObject({ status: 'failed', failure: { timedOut: true } });
    expect(notes).toEqual(['the scenarios that timed out (checking) could not be graded again: (HTTP code 500) server error - cannot start a stopped process: unknown']);
  });
});
