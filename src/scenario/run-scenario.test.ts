import { describe, expect, it } from 'vitest';
import type { ExitInfo, OutputListener, RuntimeNode } from '../runtime/runtime.js';
import type { ScenarioSpec } from '../topology/topology-schema.js';
import { describeExit } from '../model/exit-info.js';
import { NodeOutput } from './node-output.js';
import { runScenario, scenarioNodes, type ScenarioHost } from './run-scenario.js';

/** A node that answers each typed line by a rule, in memory: enough to drive the runner. */
class FakeNode implements RuntimeNode {
  readonly id = 'fake';
  readonly image = 'none';
  private out: OutputListener[] = [];
  private exits: ((e: ExitInfo) => void)[] = [];
  typed: string[] = [];
  files = new Map<string, string>();
  up = true;
  constructor(
    readonly name: string,
    readonly address: string,
    private readonly reply: (line: string, node: FakeNode) => string | undefined,
  ) {}
  say(text: string) {
    this.out.forEach((l) => l('stdout', Buffer.from(text)));
  }
  onOutput(l: OutputListener) {
    this.out.push(l);
  }
  onExit(l: (e: ExitInfo) => void) {
    this.exits.push(l);
  }
  async start() {
    this.up = true;
    this.say('Username: ');
  }
  async write(text: string) {
    const line = text.replace(/\n$/, '');
    this.typed.push(line);
    const r = this.reply(line, this);
    if (r !== undefined) setTimeout(() => this.say(r), 1);
  }
  exit(code: number) {
    this.exitWith({ code });
  }
  exitWith(e: ExitInfo) {
    this.up = false;
    this.exits.forEach((l) => l(e));
  }
  async stop() {
    if (this.up) this.exit(143);
  }
  async kill() {
    if (this.up) this.exit(137);
  }
  async restart() {
    await this.stop();
    await this.start();
  }
  running() {
    return this.up;
  }
  async readFile(p: string) {
    const t = this.files.get(p);
    return t === undefined ? undefined : Buffer.from(t);
  }
  async listFiles() {
    return [...this.files.keys()];
  }
  async collect() {}
  async exec() {
    return { code: 0, output: '' };
  }
}

function lab(nodes: FakeNode[]): ScenarioHost {
  const map = new Map(
    nodes.map((n) => {
      const output = new NodeOutput(n.name);
      const handle: { runtime: RuntimeNode; output: NodeOutput; lastExit?: ExitInfo } = { runtime: n, output };
      n.onOutput((s, c) => output.push(s, c));
      n.onExit((e) => {
        handle.lastExit = e;
        output.ended(describeExit(e)); // as LabNode does: "code 137, killed: out of memory"
      });
      return [n.name, handle];
    }),
  );
  return {
    node: (name) => map.get(name),
    typed: () => undefined,
    scope: () => ({ vars: { user: 'alice' }, nodes: Object.fromEntries(nodes.map((n) => [n.name, { ip: n.address }])) }),
    beforeStart: (name) => map.get(name)?.output.restarted(),
  };
}

const login = (line: string, n: FakeNode) => {
  if (line === 'alice') return 'Password: ';
  if (line === 'pw') return 'Welcome!\n';
  if (line === 'Download_tempID') {
    n.files.set('tempIDs.txt', 'alice 12345678901234567890\n');
    return 'TempID: 12345678901234567890\n';
  }
  if (line === 'logout') {
    setTimeout(() => n.exit(0), 2);
    return undefined;
  }
  return 'Error. Invalid command\n';
};

/** Wire the nodes to a host, start the ones asked for (so their first prompt is seen), run. */
async function run(steps: unknown[], nodes: FakeNode[], limitMs?: number, started: FakeNode[] = nodes) {
  const host = lab(nodes);
  for (const n of started) await n.start();
  return runScenario({ name: 't', points: 2, steps } as ScenarioSpec, host, new AbortController().signal, limitMs);
}

describe('runScenario', () => {
  it('types, expects, captures, checks files and exits, and awards the points', async () => {
    const c = new FakeNode('c1', '10.0.0.11', login);
    const r = await run(
      [
        { node: 'c1', expect: 'Username: ' },
        { node: 'c1', send: '{{ vars.user }}' },
        { node: 'c1', expect: 'Password: ' },
        { node: 'c1', send: 'pw' },
        { node: 'c1', expect: 'Welcome' },
        { node: 'c1', send: 'Download_tempID' },
        { node: 'c1', expect: 'TempID: (?<tid>\\d{20})' },
        { node: 'c1', file: 'tempIDs.txt', contains: '^alice {{ tid }}$' },
        { node: 'c1', send: 'logout' },
        { node: 'c1', exit: 0 },
      ],
      [c],
    );
    expect(r.failure).toBeUndefined();
    expect(r).toMatchObject({ status: 'passed', points: 2, maxPoints: 2 });
    expect(c.typed).toEqual(['alice', 'pw', 'Download_tempID', 'logout']);
  });

  it('a failure names the step, the node, the pattern, the last output, and the steps left', async () => {
    const c = new FakeNode('c1', '10.0.0.11', login);
    const r = await run(
      [
        { node: 'c1', send: 'alice' },
        { node: 'c1', expect: 'Blocked', timeout: '50ms' },
        { node: 'c1', send: 'never typed' },
      ],
      [c],
    );
    expect(r.status).toBe('failed');
    expect(r.points).toBe(0);
    expect(r.failure).toMatchObject({ step: '2', node: 'c1', message: 'c1 did not print /Blocked/ within 0.1s', stepsLeft: ['3 c1: send "never typed"'] });
    expect(r.failure!.tail).toContain('Password: ');
    expect(c.typed).toEqual(['alice']);
  });

  it("runs parallel branches at once, and the scenario's time limit stops them all", async () => {
    const a = new FakeNode('a', '10.0.0.11', login);
    const b = new FakeNode('b', '10.0.0.12', login);
    // The branches wait an hour: only the scenario's limit can end this test in time.
    const r = await run(
      [
        {
          foreach: {
            items: [{ n: 'a' }, { n: 'b' }],
            as: 'p',
            parallel: true,
            steps: [
              { restart: '{{ p.n }}' },
              { node: '{{ p.n }}', send: 'alice' },
              { node: '{{ p.n }}', expect: '{{ p.n }}-never', timeout: '1h' },
            ],
          },
        },
      ],
      [a, b],
      200,
      [],
    );
    expect(r.status).toBe('failed');
    expect(r.failure!.message).toBe("the scenario's time limit of 0.2s was reached");
    expect(a.typed).toEqual(['alice']);
    expect(b.typed).toEqual(['alice']);
  });

  it('the first failing branch of a parallel block stops the others at once', async () => {
    const a = new FakeNode('a', '10.0.0.11', login);
    const b = new FakeNode('b', '10.0.0.12', login);
    // Branch a waits an hour: only b's failure stopping it ends this test.
    const r = await run([{ parallel: [[{ node: 'a', expect: 'never', timeout: '1h' }], { steps: [{ node: 'b', expect: 'nope', timeout: '50ms' }] }] }], [a, b]);
    expect(r.failure).toMatchObject({ node: 'b', step: '1.2.1' });
  });

  it('a node that ends while a step waits fails that step at once with its exit', async () => {
    const c = new FakeNode('c1', '10.0.0.11', login);
    // The expect waits an hour: only the node's exit ends this test.
    const r = await run([{ node: 'c1', send: 'logout' }, { node: 'c1', expect: 'Bye', timeout: '1h' }], [c]);
    expect(r.failure!.message).toBe('c1 exited (code 0) before printing /Bye/');
  });
});

describe('exit steps', () => {
  it('compare the exit code, not its description: code 137 with a reason is code 137', async () => {
    const c = new FakeNode('c1', '10.0.0.11', () => undefined);
    const host = lab([c]);
    const r = runScenario({ name: 'oom', steps: [{ node: 'c1', exit: 137 }] } as ScenarioSpec, host, new AbortController().signal);
    setTimeout(() => c.exitWith({ code: 137, reason: { kind: 'oom', text: 'killed: out of memory (memory limit reached)' } }), 5);
    expect((await r).failure).toBeUndefined();
  });

  it('a different code fails with the structured exit described', async () => {
    const c = new FakeNode('c1', '10.0.0.11', () => undefined);
    const r = runScenario({ name: 'x', steps: [{ node: 'c1', exit: 0 }] } as ScenarioSpec, lab([c]), new AbortController().signal);
    setTimeout(() => c.exitWith({ code: 137, reason: { kind: 'oom', text: 'killed: out of memory' } }), 5);
    expect((await r).failure?.message).toBe('c1 ended with code 137, killed: out of memory, expected code 0');
  });
});

describe('file step, missing_ok', () => {
  it('no such file passes with missing_ok, and fails without it', async () => {
    const c = new FakeNode('c1', '10.0.0.11', login);
    const ok = await run([{ node: 'c1', file: 'userlog.txt', not_contains: 'jess', missing_ok: true }], [c]);
    expect(ok.failure).toBeUndefined();
    const bad = await run([{ node: 'c1', file: 'userlog.txt', not_contains: 'jess' }], [c]);
    expect(bad.failure?.message).toBe('c1 has no file userlog.txt');
  });

  it('a file that is there is still checked', async () => {
    const c = new FakeNode('c1', '10.0.0.11', login);
    c.files.set('userlog.txt', '1; jess; 10.0.0.12\n');
    const r = await run([{ node: 'c1', file: 'userlog.txt', not_contains: 'jess', missing_ok: true }], [c]);
    expect(r.status).toBe('failed');
  });
});

describe('scenarioNodes', () => {
  const spec = (steps: unknown[]) => ({ name: 's', steps }) as ScenarioSpec;
  it('names every node a scenario touches, inside parallel and foreach blocks too', () => {
    const nodes = scenarioNodes(
      spec([
        { node: 'phone1', expect: 'Username: ' },
        { parallel: [[{ node: 'phone2', send: 'x' }], [{ restart: 'phone3' }]] },
        { node: 'server', file: 'tempIDs.txt', exists: true },
      ]),
    );
    expect(nodes && [...nodes].sort()).toEqual(['phone1', 'phone2', 'phone3', 'server']);
  });
  it('resolves a foreach variable over a literal list, item by item', () => {
    const nodes = scenarioNodes(
      spec([
        { foreach: { items: [{ node: 'phone1', user: 'u1' }, { node: 'phone3', user: 'u3' }], as: 'p', parallel: true, steps: [{ node: '{{ p.node }}', send: '{{ p.user }}' }] } },
        { foreach: { items: ['phone4'], as: 'n', steps: [{ node: '{{ n }}', send: 'logout' }] } },
      ]),
    );
    expect(nodes && [...nodes].sort()).toEqual(['phone1', 'phone3', 'phone4']);
  });
  it('gives up (undefined: start them all) when a node name is any other template', () => {
    expect(scenarioNodes(spec([{ node: '{{ vars.who }}', send: 'x' }]))).toBeUndefined();
    expect(scenarioNodes(spec([{ foreach: { items: '{{ vars.phones }}', as: 'n', steps: [{ node: '{{ n }}', send: 'x' }] } }]))).toBeUndefined();
  });
});
