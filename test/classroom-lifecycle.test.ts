import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, describeDocker, leftovers, ROOT, runLabCli, startLab, waitForStderr } from './helpers/lab-cli.js';

const TOPOLOGY = 'test/fixtures/echo-classroom.yaml';
const FAULTS = 'test/fixtures/replay-faults.yaml';
/** A replay's capture and faults need root and tcpdump, as lab up's do (docs/wire.md); on CI they are there. */
const canWire = process.getuid?.() === 0 && ['/usr/bin/tcpdump', '/usr/sbin/tcpdump'].some((p) => existsSync(p));
const itWire = canWire || process.env.CI ? it : it.skip;

/** The run id of the kept lab whose run folder is under runs (from the lab registry). */
function keptRunId(lab: string, runs: string): string {
  const dir = join(ROOT, '.netlab', 'labs');
  for (const f of readdirSync(dir).filter((x) => x.startsWith(`${lab}.`))) {
    const rec = JSON.parse(readFileSync(join(dir, f), 'utf8'));
    if (rec.runDir.startsWith(runs)) return rec.runId;
  }
  throw new Error(`no kept ${lab} with its run folder in ${runs}`);
}

/** Each replay's results.json in the run folder's replays/. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read any field of results.json
function replaysOf(runDir: string): { dir: string; res: any }[] {
  const root = join(runDir, 'replays');
  return readdirSync(root).sort().map((r) => ({ dir: join(root, r), res: JSON.parse(readFileSync(join(root, r, 'results.json'), 'utf8')) }));
}

/**
 * Rules of a replay still in place: on local its chain on the host (NETLAB-<replay id>); on
 * docker any netlab chain or shaping qdisc in a node of the run's, entered by its pid.
 */
function rulesLeft(runtime: 'local' | 'docker', runId: string, replayId: string): string[] {
  const sh = (argv: string[]) => execFileSync(argv[0], argv.slice(1), { encoding: 'utf8' });
  if (runtime === 'local') return sh(['iptables', '-w', '-S']).split('\n').filter((l) => l.includes(`NETLAB-${replayId}`));
  const left: string[] = [];
  for (const id of sh(['docker', 'ps', '-q', '--filter', `label=netlab.run=${runId}`]).split('\n').filter(Boolean)) {
    const pid = sh(['docker', 'inspect', '-f', '{{.State.Pid}}', id]).trim();
    const ns = ['nsenter', '-t', pid, '-n'];
    left.push(...sh([...ns, 'iptables', '-w', '-S']).split('\n').filter((l) => l.includes('NETLAB-')).map((l) => `${id}: ${l}`));
    const q = sh([...ns, 'tc', 'qdisc', 'show', 'dev', 'eth0']);
    if (/qdisc (tbf|htb|netem)/.test(q)) left.push(`${id}: ${q.trim()}`);
  }
  return left;
}

/** Resolve once the file holds a match (a node's transcript, written as it prints). */
function waitForFile(file: string, re: RegExp, timeoutMs = 60_000): Promise<void> {
  return new Promise((ok, fail) => {
    const t0 = Date.now();
    const tick = setInterval(() => {
      const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
      if (!re.test(text) && Date.now() - t0 <= timeoutMs) return;
      clearInterval(tick);
      if (re.test(text)) ok();
      else fail(new Error(`${file} never matched ${re}`));
    }, 100);
  });
}

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
        // stop, then start (not attach --restart): the node runs again and answers.
        expect((await runLabCli(['stop', 'echoui/client1'])).code).toBe(0);
        expect((await runLabCli(['start', 'echoui/client1'])).code).toBe(0);
        expect((await attachAndType(['echoui/client1'], 'after start', /echo from [\d.]+: after start/)).code).toBe(0);
      }
    } finally {
      expect((await runLabCli(['down', 'echoui'])).code).toBe(0);
    }
    const run = await lab.done;
    expect(run.code).toBe(0);
    expect(await leftovers('echoui')).toBe(0);
  });
}

/**
 * The classroom's own example: a kept five-pairs lab replays its scenario with lab run, whose
 * wire steps check the replay's own capture (runs/<run>/replays/<time>-<scenario>/capture.pcap).
 */
function fivePairs(runtime: 'local' | 'docker') {
  itWire(`on ${runtime}: a kept five-pairs replays "five pairs chat at the same time" with its wire steps, capture in the replay folder`, async () => {
    if (!canWire) throw new Error('CI is set but this is not root with tcpdump: .ci/run installs tcpdump and runs as root');
    const runs = mkdtempSync(join(tmpdir(), 'netlab-classroom-5p-'));
    const lab = startLab(['up', 'topologies/five-pairs.yaml', '--runtime', runtime, '--keep', '--no-scenarios', '--runs', runs]);
    await waitForStderr(lab, /kept running/);
    const runId = keptRunId('five-pairs', runs);
    try {
      const r = await runLabCli(['run', 'five-pairs', 'five pairs chat at the same time']);
      expect(r.stderr).toMatch(/passed five pairs chat at the same time/);
      expect(r.code).toBe(0);
      const [replay, ...more] = replaysOf(join(runs, readdirSync(runs)[0]));
      expect(more).toEqual([]);
      expect(replay.res.status).toBe('passed');
      expect(replay.res.result.steps.some((s: { description: string }) => /^wire: UDP client1 -> server/.test(s.description))).toBe(true);
      expect(replay.res.wire.capture.packets).toBeGreaterThan(0);
      expect(readFileSync(join(replay.dir, 'capture.pcap')).length).toBeGreaterThan(24);
      expect(readFileSync(join(replay.dir, 'sequence.md'), 'utf8')).toMatch(/client1-\)server: .*HELLO client1/);
    } finally {
      expect((await runLabCli(['down', 'five-pairs'])).code).toBe(0);
    }
    expect((await lab.done).code).toBe(0);
    expect(await leftovers({ run: runId })).toBe(0);
  });
}

/**
 * A replay's faults go in through the lab's FaultInjector and all come out when it ends:
 * passed with faults left in, failed with a partition in, and Ctrl-C with one in.
 */
function replayFaults(runtime: 'local' | 'docker') {
  itWire(`on ${runtime}: lab run takes every fault of the replay out (passed, failed, Ctrl-C)`, async () => {
    if (!canWire) throw new Error('CI is set but this is not root with tcpdump: .ci/run installs tcpdump and runs as root');
    const runs = mkdtempSync(join(tmpdir(), 'netlab-classroom-faults-'));
    const lab = startLab(['up', FAULTS, '--runtime', runtime, '--keep', '--no-scenarios', '--runs', runs]);
    await waitForStderr(lab, /kept running/);
    const runId = keptRunId('replayfaults', runs);
    const runDir = join(runs, readdirSync(runs)[0]);
    try {
      // A rate limit on local is an htb on the host's lo, which one lab at a time may shape:
      // another run's lab could hold it, so it is replayed on docker only (tc in the node).
      for (const s of ['partition and loss left in', ...(runtime === 'docker' ? ['rate left in'] : [])]) {
        const r = await runLabCli(['run', 'replayfaults', s]);
        expect(r.code, r.stderr).toBe(0);
      }
      expect((await runLabCli(['run', 'replayfaults', 'fails with a partition in'])).code).toBe(1);
      const waiting = startLab(['run', 'replayfaults', 'waits with a partition in']);
      await waitForFile(join(runDir, 'nodes', 'sender', 'transcript.log'), /sent 7/);
      waiting.child.kill('SIGINT');
      const stopped = await waiting.done;
      expect(stopped.code, stopped.stderr).toBe(130);
      const replays = replaysOf(runDir);
      expect(replays.map((r) => r.res.status).sort()).toEqual(runtime === 'docker' ? ['failed', 'interrupted', 'passed', 'passed'] : ['failed', 'interrupted', 'passed']);
      for (const { res } of replays) {
        expect(res.wire.faults.applied.length, res.scenario).toBeGreaterThan(0);
        expect(res.wire.faults.left, res.scenario).toEqual([]);
        expect(rulesLeft(runtime, runId, res.replayId), res.scenario).toEqual([]);
      }
      if (runtime === 'docker') expect(replays.find((r) => r.res.scenario === 'rate left in')!.res.wire.faults.applied.some((a: string) => /\btbf\b/.test(a))).toBe(true);
    } finally {
      expect((await runLabCli(['down', 'replayfaults'])).code).toBe(0);
    }
    expect((await lab.done).code).toBe(0);
    expect(await leftovers({ run: runId })).toBe(0);
  });
}

describe('classroom lifecycle', () => {
  it('--no-scenarios needs --keep', async () => {
    const r = await runLabCli(['up', TOPOLOGY, '--runtime', 'local', '--no-scenarios']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--no-scenarios .* needs --keep/);
  });
  it('on local: up --scenario NAME --keep runs that scenario only, then keeps the lab for play', async () => {
    const runs = mkdtempSync(join(tmpdir(), 'netlab-classroom-one-'));
    const lab = startLab(['up', TOPOLOGY, '--runtime', 'local', '--keep', '--scenario', 'echo', '--runs', runs]);
    await waitForStderr(lab, /kept running/);
    try {
      expect(lab.stderrSoFar()).toMatch(/passed echo/);
      expect(lab.stderrSoFar()).not.toMatch(/▶ fails/);
      expect((await attachAndType(['echoui/client2'], 'still here', /echo from [\d.]+: still here/)).code).toBe(0);
    } finally {
      expect((await runLabCli(['down', 'echoui'])).code).toBe(0);
    }
    expect((await lab.done).code).toBe(0);
    expect(await leftovers('echoui')).toBe(0);
  });
  it('on local: lab run replays a scenario with clock steps, twice (each replay starts at the real time)', async () => {
    const runs = mkdtempSync(join(tmpdir(), 'netlab-classroom-clock-'));
    const lab = startLab(['up', 'test/fixtures/clock.yaml', '--runtime', 'local', '--keep', '--no-scenarios', '--runs', runs]);
    await waitForStderr(lab, /kept running/);
    try {
      for (let i = 0; i < 2; i++) {
        const r = await runLabCli(['run', 'clock', 'a clock step moves the wall clock at once, for each language, and only where asked']);
        expect(r.code, r.stderr.slice(-2000)).toBe(0);
      }
    } finally {
      expect((await runLabCli(['down', 'clock'])).code).toBe(0);
    }
    expect((await lab.done).code).toBe(0);
  });
  classroom('local');
  fivePairs('local');
  replayFaults('local');
});
describeDocker('classroom lifecycle (docker)', () => {
  classroom('docker');
  fivePairs('docker');
  replayFaults('docker');
});
