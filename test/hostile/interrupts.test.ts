import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runLab } from '../../src/lab/run-lab.js';
import { loadTopology } from '../../src/topology/load-topology.js';
import { runScenario } from '../../src/scenario/run-scenario.js';
import { AbortedError } from '../../src/scenario/scenario-errors.js';
import { FakeRuntime } from './fake-runtime.js';
import { ROOT, startLab, waitForStderr } from '../helpers/lab-cli.js';
import { quietReporter } from '../../src/lab/quiet-reporter.js';

// Issue 16, findings 4, 5 and 10: Ctrl-C at every phase, creates awaited, interrupted scenarios recorded.
const dir = mkdtempSync(join(tmpdir(), 'netlab-hostile-int-'));
function topology(yaml: string) {
  const f = join(dir, `t${Math.random().toString(16).slice(2)}.yaml`);
  writeFileSync(f, yaml);
  return loadTopology(f);
}
const TWO = `name: int
server: { command: [srv] }
clients: { count: 2, command: [cli] }
scenarios:
  - name: waits
    steps:
      - { node: client1, expect: never, timeout: 60s }
`;
const run = (plan: ReturnType<typeof topology>, runtime: FakeRuntime, signal: AbortSignal) =>
  runLab({ plan, runtime, projectRoot: dir, runsDir: join(dir, 'runs'), signal, reporter: quietReporter });

describe('Ctrl-C is honoured at every phase', () => {
  it('a signal that fired before the scenario began stops it before any step', async () => {
    const ctl = new AbortController();
    ctl.abort();
    let asked = 0;
    const host = { node: () => (asked++, undefined), typed() {}, scope: () => ({}) };
    await expect(runScenario(topology(TWO).scenarios[0], host, ctl.signal)).rejects.toBeInstanceOf(AbortedError);
    expect(asked).toBe(0);
  });

  it('Ctrl-C while the nodes start: interrupted, the scenario never runs as passed', async () => {
    const ctl = new AbortController();
    const rt = new FakeRuntime({ started: (n) => n.name === 'server' && ctl.abort() });
    const res = await run(topology(TWO), rt, ctl.signal);
    expect(res.status).toBe('interrupted');
    expect(res.scenarios).toMatchObject([{ name: 'waits', status: 'failed', failure: { message: 'interrupted (Ctrl-C)' } }]);
  });

  it('Ctrl-C mid-scenario: the scenario is in the results as interrupted', async () => {
    const ctl = new AbortController();
    const rt = new FakeRuntime({ started: (n) => n.name === 'client2' && setImmediate(() => ctl.abort()) });
    const res = await run(topology(TWO), rt, ctl.signal);
    expect(res.status).toBe('interrupted');
    expect(res.scenarios).toMatchObject([{ name: 'waits', status: 'failed', failure: { message: 'interrupted (Ctrl-C)' } }]);
  });

  it('Ctrl-C during tear-down makes the run interrupted (exit 130), not passed', async () => {
    const ctl = new AbortController();
    const plan = topology(`name: int2\nserver: { command: [srv] }\nscenarios:\n  - name: nothing\n    steps:\n      - { sleep: 1ms }\n`);
    const res = await run(plan, new FakeRuntime({ destroy: async () => ctl.abort() }), ctl.signal);
    expect(res.status).toBe('interrupted');
  });
});

describe('a failed create', () => {
  it('waits for every other create before tearing down (none is left half-made)', async () => {
    const ctl = new AbortController();
    let release!: () => void;
    const slow = new Promise<void>((ok) => (release = ok));
    const rt = new FakeRuntime({
      create: async (n) => {
        if (n.name === 'server') throw new Error("memory: '1' is too small");
        if (n.name === 'client2') {
          setImmediate(release);
          await slow;
        }
      },
    });
    const res = await run(topology(TWO), rt, ctl.signal);
    expect(res.status).toBe('error');
    expect(rt.events.indexOf('destroy')).toBeGreaterThan(rt.events.indexOf('created client2'));
  });
});

describe('Ctrl-C in the middle of lab grade', () => {
  it('exits 130 with the grade written (the scenario interrupted), no internal error', async () => {
    const out = mkdtempSync(join(tmpdir(), 'netlab-hostile-grade-int-'));
    const fx = (f: string) => join(ROOT, 'test/fixtures/hostile', f);
    // --unsafe-local: the submission is the project's own fixture (a server that never answers).
    const g = startLab(['grade', fx('grading-waits.yaml'), '--submission', fx('waits-submission'), '--unsafe-local', '--out', out]);
    await waitForStderr(g, /✓ 1 +server: expect \/listening\//, 120_000);
    g.child.kill('SIGINT');
    const done = await g.done;
    expect(done.code, done.stderr.slice(-1500)).toBe(130);
    expect(done.stderr).not.toMatch(/internal error|\n\s+at /);
    const grade = JSON.parse(readFileSync(join(out, 'waits-submission', 'grade.json'), 'utf8'));
    expect(grade).toMatchObject({ score: 0, max: 2, scenarios: [{ name: 'answers', failure: { message: expect.stringMatching(/interrupted/) } }] });
    expect(existsSync(join(out, 'waits-submission', 'report.md'))).toBe(true);
    expect(readFileSync(join(out, 'waits-submission', 'report.md'), 'utf8')).toMatch(/interrupted/);
  });
});
