import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, describeDocker, leftovers, ROOT, runLabCli, startLab, waitForStderr } from './helpers/lab-cli.js';

const TOPOLOGY = 'test/fixtures/echo-classroom.yaml';

/** Type a line into `lab attach ARGS` and wait for the answer, then detach with Ctrl-]. */
function attachAndType(args: string[], line: string, answer: RegExp): Promise<{ out: string; err: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'attach', ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' } });
    let out = '';
    let err = '';
    const timer = setTimeout(() => (child.kill(), reject(new Error(`no ${answer} from ${args.join(' ')}: ${out} ${err}`))), 30_000);
    child.stderr.on('data', (d) => {
      err += d;
      if (/attached to/.test(err) && line) {
        child.stdin.write(`${line}\n`);
        line = '';
      }
    });
    child.stdout.on('data', (d) => {
      out += d;
      if (answer.test(out)) child.stdin.write('\x1d'); // the detach key
    });
    child.once('close', (code) => (clearTimeout(timer), resolve({ out, err, code })));
  });
}

/** One kept lab per runtime, brought up with no scenario, played with, replayed, taken down. */
function classroom(runtime: 'local' | 'docker') {
  it(`on ${runtime}: up --keep --no-scenarios, stop, attach says not running, attach --restart, run, down`, async () => {
    const runs = mkdtempSync(join(tmpdir(), 'netlab-classroom-'));
    const lab = startLab(['up', TOPOLOGY, '--runtime', runtime, '--keep', '--no-scenarios', '--runs', runs]);
    await waitForStderr(lab, /kept running/);
    try {
      expect(lab.stderrSoFar()).not.toMatch(/▶/); // no scenario ran
      const a = await attachAndType(['echoui/client2'], 'typed by a person', /echo from 10\.130\.0\.12: typed by a person|echo from 127\.[\d.]+: typed by a person/);
      expect(a.code).toBe(0);
      expect(a.err).toContain('Ctrl-] or Ctrl-D detaches');

      expect((await runLabCli(['stop', 'echoui/client1'])).code).toBe(0);
      const refused = await runLabCli(['attach', 'echoui/client1']);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toMatch(/echoui\/client1 is not running/);
      expect(refused.stderr).toContain('./lab attach --restart echoui/client1');

      const back = await attachAndType(['--restart', 'echoui/client1'], 'again', /echo from [\d.]+: again/);
      expect(back.err).toContain('(restarted)');
      expect(back.out).toMatch(/^> /); // the first prompt of the new incarnation was not missed

      const passed = await runLabCli(['run', 'echoui', 'echo']);
      expect(passed.stderr).toMatch(/passed echo/);
      expect(passed.code).toBe(0);
      const runDir = join(runs, readdirSync(runs)[0]);
      const replays = () => readdirSync(join(runDir, 'replays')).map((r) => JSON.parse(readFileSync(join(runDir, 'replays', r, 'results.json'), 'utf8')).result.status).sort();
      if (runtime === 'docker') {
        expect(replays()).toEqual(['passed']);
      } else {
        // What does not depend on the runtime is checked once, on the faster one.
        const failed = await runLabCli(['run', 'echoui', 'fails']);
        expect(failed.code).toBe(1);
        expect(replays()).toEqual(['failed', 'passed']);
        expect((await runLabCli(['restart', 'echoui/server'])).code).toBe(0);
        expect((await runLabCli(['run', 'echoui', 'nope'])).stderr).toMatch(/no scenario named "nope" \(scenarios: echo, fails\)/);
      }
    } finally {
      expect((await runLabCli(['down', 'echoui'])).code).toBe(0);
    }
    const run = await lab.done;
    expect(run.code).toBe(0);
    expect(await leftovers('echoui')).toBe(0);
  });
}

describe('classroom lifecycle', () => {
  it('--no-scenarios needs --keep', async () => {
    const r = await runLabCli(['up', TOPOLOGY, '--runtime', 'local', '--no-scenarios']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--no-scenarios .* needs --keep/);
  });
  classroom('local');
});
describeDocker('classroom lifecycle (docker)', () => classroom('docker'));
