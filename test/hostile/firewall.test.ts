import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { expect, it } from 'vitest';
import { describeDocker, leftovers, ROOT, startLab, waitForStderr } from '../helpers/lab-cli.js';

// Issue 16, findings 2 and 3: a submission cannot reach the grading host through the lab's
// gateway, and cannot see or run the reference apps. The listener is opened by this test
// on the lab's own gateway address (10.122.0.1, the topology's subnet), never elsewhere.
const GATEWAY = '10.122.0.1';
const PORT = 47990;

/** Listen on the gateway address as soon as the lab's bridge holds it (it appears when the network is made). */
function listenOnGateway(accepted: { n: number }): Promise<Server> {
  return new Promise((ok, fail) => {
    const attempt = (left: number) => {
      const s = createServer((c) => {
        accepted.n++;
        c.end('secret host banner\n');
      });
      s.once('error', (e: NodeJS.ErrnoException) => {
        if (e.code === 'EADDRNOTAVAIL' && left > 0) setTimeout(() => attempt(left - 1), 100);
        else fail(e);
      });
      s.listen(PORT, GATEWAY, () => ok(s));
    };
    attempt(100);
  });
}

const rules = () => execFileSync('iptables', ['-S', 'INPUT'], { encoding: 'utf8' }).split('\n').filter((l) => l.includes('netlab:'));

describeDocker('the grading host is out of reach', () => {
  it('a submission finds no reference app, and its connections to the gateway are dropped; the rule goes with the lab', async () => {
    const out = mkdtempSync(join(tmpdir(), 'netlab-hostile-fw-'));
    const lab = startLab(['grade', join(ROOT, 'test/fixtures/hostile/grading-escape.yaml'), '--submission', join(ROOT, 'test/fixtures/hostile/escape-submission'), '--runtime', 'docker', '--out', out]);
    await waitForStderr(lab, /── create/, 240_000);
    const accepted = { n: 0 };
    const server = await listenOnGateway(accepted);
    const before = rules().length;
    let run;
    try {
      run = await lab.done;
    } finally {
      server.close();
    }
    expect(run.code, run.stderr.slice(-2000)).toBe(0);
    const g = JSON.parse(readFileSync(join(out, 'escape-submission', 'grade.json'), 'utf8'));
    const by = Object.fromEntries(g.scenarios.map((s: { name: string }) => [s.name, s]));
    expect(by['cannot see or run the reference apps'].status, JSON.stringify(by['cannot see or run the reference apps'].failure)).toBe('passed');
    const transcript = readFileSync(join(g.runs[0].runDir, 'nodes', 'server', 'transcript.log'), 'utf8');
    // Dropped: never connected, never refused (a refusal would mean the host answered).
    const gw = /gw: connected=(\d+) refused=(\d+) timeout=(\d+) other=(\d+)/.exec(transcript);
    expect(gw?.slice(1, 3), transcript.slice(-1500)).toEqual(['0', '0']);
    expect(accepted.n).toBe(0);
    expect(before, 'the rule was there while the lab ran').toBeGreaterThan(0);
    expect(rules().length, 'and was removed with it').toBeLessThan(before);
    expect(await leftovers('escape-grading')).toBe(0);
  });
});
