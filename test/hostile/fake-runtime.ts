import type { ExitInfo, OutputListener, PreparedLab, Runtime, RuntimeNode } from '../../src/runtime/runtime.js';
import type { NodePlan } from '../../src/topology/lab-plan.js';

/** A runtime made of callbacks, for the lab's life around faults: no processes, no engine. */
export class FakeRuntime implements Runtime {
  readonly kind = 'local' as const;
  readonly events: string[] = [];
  readonly nodes: FakeNode[] = [];
  constructor(
    private readonly hooks: { create?: (n: NodePlan) => Promise<void>; destroy?: () => Promise<void>; started?: (n: FakeNode) => void } = {},
  ) {}
  async prepare(plan: { nodes: NodePlan[] }): Promise<PreparedLab> {
    return { addresses: new Map(plan.nodes.map((n, i) => [n.name, `127.0.0.${i + 2}`])), phases: {}, createNode: (n) => this.createNode(n) };
  }
  private async createNode(n: NodePlan): Promise<RuntimeNode> {
    this.events.push(`create ${n.name}`);
    try {
      await this.hooks.create?.(n);
    } finally {
      this.events.push(`created ${n.name}`);
    }
    const node = new FakeNode(n.name, (x) => this.hooks.started?.(x));
    this.nodes.push(node);
    return node;
  }
  async destroy() {
    this.events.push('destroy');
    await this.hooks.destroy?.();
    for (const n of this.nodes) n.exit();
  }
}

export class FakeNode implements RuntimeNode {
  readonly address = '127.0.0.2';
  readonly id = 'fake';
  readonly image = 'host';
  private outs: OutputListener[] = [];
  private exits: ((e: ExitInfo) => void)[] = [];
  private up = false;
  constructor(
    readonly name: string,
    private readonly onStart: (n: FakeNode) => void,
  ) {}
  print(s: string) {
    for (const l of this.outs) l('stdout', Buffer.from(s));
  }
  exit() {
    if (!this.up) return;
    this.up = false;
    for (const l of this.exits) l({ code: 0, signal: null, requested: true } as unknown as ExitInfo);
  }
  onOutput(l: OutputListener) {
    this.outs.push(l);
  }
  onExit(l: (e: ExitInfo) => void) {
    this.exits.push(l);
  }
  async start() {
    this.up = true;
    this.onStart(this);
  }
  async write() {}
  async stop() {
    this.exit();
  }
  async kill() {
    this.exit();
  }
  async restart() {}
  running() {
    return this.up;
  }
  async readFile() {
    return undefined;
  }
  async listFiles() {
    return [];
  }
  async collect() {}
  async exec() {
    return { code: 0, output: '' };
  }
}
