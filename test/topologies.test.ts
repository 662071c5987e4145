import { readdirSync, readFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DOCKER, leftovers, readResults, ROOT, runDirOf, runLabCli } from './helpers/lab-cli.js';

const LABS = [
  ...readdirSync(join(ROOT, 'topologies')).filter((f) => f.endsWith('.yaml')),
  ...readdirSync(join(ROOT, 'topologies', 'grading')).filter((f) => f.endsWith('.yaml')).map((f) => `grading/${f}`),
].sort();

/**
 * Every shipped lab passes, on each runtime, with full points, and leaves nothing behind.
 * The grading labs run their reference here on the local runtime; on docker they are run by
 * the grade tests (test/grade*.test.ts: the project's own correct submission, full marks),
 * which is where CI's time goes.
 *
 * A lab's local and docker runs go at the same time (processes on 127.B addresses beside
 * containers on a bridge: nothing shared but the CPU), which saves CI about a minute; two
 * docker labs never run at once here.
 */
const runs = { local: mkdtempSync(join(tmpdir(), 'netlab-topologies-local-')), docker: mkdtempSync(join(tmpdir(), 'netlab-topologies-docker-')) };

async function passes(file: string, runtime: 'local' | 'docker'): Promise<void> {
  const run = await runLabCli(['up', join('topologies', file), '--runtime', runtime, '--runs', runs[runtime]]);
  const res = readResults(runDirOf(run));
  const failures = res.scenarios.filter((s: { status: string }) => s.status !== 'passed').map((s: { name: string; failure: unknown }) => ({ name: s.name, failure: s.failure }));
  expect(failures, `${runtime}: ${run.stderr.slice(-3000)}`).toEqual([]);
  expect(run.code, runtime).toBe(0);
  expect(res.score.points, runtime).toBe(res.score.max);
  expect(await leftovers({ run: res.runId }), runtime).toBe(0);
}

describe('shipped labs pass on local and docker', () => {
  it.each(LABS)('%s passes', async (file) => {
    const kinds: ('local' | 'docker')[] = ['local'];
    if (!file.startsWith('grading/')) {
      if (DOCKER) kinds.push('docker');
      else if (process.env.CI) throw new Error('CI is set but no Docker engine answers at the default socket: .ci/run should have started dockerd');
    }
    // Both runs finish (and are checked) even when one fails.
    const settled = await Promise.allSettled(kinds.map((k) => passes(file, k)));
    for (const r of settled) if (r.status === 'rejected') throw r.reason;
  });
});

describe('shipped topologies', () => {
  it('all validate', async () => {
    for (const f of LABS) expect((await runLabCli(['validate', join('topologies', f)])).code, f).toBe(0);
  });
  it('compose.yaml at the root is five-pairs exported, kept in sync', async () => {
    const run = await runLabCli(['export', 'compose', 'topologies/five-pairs.yaml']);
    expect(run.code).toBe(0);
    expect(readFileSync(join(ROOT, 'compose.yaml'), 'utf8'), 'run: ./lab export compose topologies/five-pairs.yaml -o compose.yaml').toBe(run.stdout);
    // The nodes' files it mounts are beside it, as the export writes them.
    const out = mkdtempSync(join(tmpdir(), 'netlab-compose-sync-'));
    expect((await runLabCli(['export', 'compose', 'topologies/five-pairs.yaml', '-o', join(out, 'compose.yaml')])).code).toBe(0);
    const rel = 'compose-files/five-pairs/server/subscribers.txt';
    expect(readFileSync(join(ROOT, rel), 'utf8'), `run: ./lab export compose topologies/five-pairs.yaml -o compose.yaml`).toBe(readFileSync(join(out, rel), 'utf8'));
  });
});

