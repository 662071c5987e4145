import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { dropRules, type DropRule, type FaultSpec } from './fault-spec.js';
import type { DropOracle } from './wire-events.js';
import { DropLog, droppedAmong, readDropLog, type DroppedPacket } from './drop-log.js';
import type { IpPacket } from './ip-packet.js';

/** What the injector needs to know about a node: its address, and on Docker the pid whose network namespace it enters. */
export interface FaultNode {
  name: string;
  address: string;
  pid?: () => Promise<number | undefined>;
}

/** Raised when a fault cannot be put in or taken out; names the command and its output. */
class FaultError extends Error {
  override name = 'FaultError';
}

/** Where the rules go: inside each container (docker) or on the host's lo (local). */
export type FaultMode = { kind: 'docker' } | { kind: 'local'; range: string };

/** The host tools faults need, each with the Debian package that has it: empty when all are there. */
export function missingFaultTools(): string[] {
  const need: [string, string][] = [
    ['iptables', 'iptables'],
    ['tc', 'iproute2'],
    ['nsenter', 'util-linux'],
  ];
  return need.filter(([bin]) => !['/usr/sbin', '/usr/bin', '/sbin', '/bin'].some((d) => existsSync(`${d}/${bin}`))).map(([bin, pkg]) => `${bin} (Debian package ${pkg})`);
}

function run(argv: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(argv[0], argv.slice(1), { timeout: 10_000 }, (err, stdout, stderr) =>
      err ? reject(new FaultError(`${argv.join(' ')} failed: ${(stderr || err.message).trim()}`)) : resolve(stdout),
    ),
  );
}

/**
 * Puts faults into a running lab's network from the host, and takes every one out again.
 * Docker: `nsenter -t <pid> -n` runs iptables (a chain of our own, jumped to from INPUT)
 * and tc (tbf on eth0) inside each container's namespace. Local: the same chain on the
 * host, matched by the nodes' 127.B.x.y addresses, and an htb class per shaped node on lo.
 * Rules carry a comment naming the run, so a leftover is recognisable.
 */
export class FaultInjector {
  readonly chain: string;
  private readonly comment: string;
  private readonly nodes: Map<string, FaultNode>;
  private readonly byAddress: Map<string, string>;
  /** Namespaces (docker: node name; local: "host") holding our chain. */
  private chains = new Set<string>();
  private shaped = new Set<string>();
  private loShaped = false;
  /** Drop rules in force, with when they began and ended: the diagram marks what a partition dropped. */
  private history: { rule: DropRule; from: number; to?: number }[] = [];
  readonly applied: string[] = [];
  /** Random-loss rules log what they drop (NFLOG) before dropping it: a chain per rule, per namespace. */
  private logChains = new Map<string, string[]>();
  private dropLogs = new Map<string, DropLog>();
  private readonly group: number;
  /** Packets the random-loss rules dropped, read at close(); and why the log is missing, if it is. */
  drops: DroppedPacket[] = [];
  dropLogNote?: string;
  private droppedPackets?: Map<IpPacket, string>;

  /**
   * dropLog: where each namespace's log of randomly dropped packets goes (the run folder,
   * `dropped-<node>.pcap`, or `dropped.pcap` on the host) and the tcpdump that writes it;
   * without it random drops are not told apart from delivered packets in the diagrams.
   */
  constructor(
    runId: string,
    nodes: FaultNode[],
    private readonly mode: FaultMode,
    private readonly dropLog?: { dir: string; tcpdump: string },
  ) {
    this.chain = `NETLAB-${runId.slice(0, 8)}`;
    // An NFLOG group of the run's own (groups are per network namespace; on the host's lo
    // another local lab may use one, so it comes from the run id).
    this.group = 1 + (parseInt(runId.slice(0, 6), 16) % 60_000 || 0);
    this.comment = `netlab run ${runId}`;
    this.nodes = new Map(nodes.map((n) => [n.name, n]));
    this.byAddress = new Map(nodes.map((n) => [n.address, n.name]));
  }

  private async ns(node: string | undefined): Promise<string[]> {
    if (this.mode.kind === 'local' || node === undefined) return [];
    const n = this.nodes.get(node);
    if (!n) throw new FaultError(`no node named "${node}"`);
    const pid = await n.pid?.();
    if (!pid) throw new FaultError(`node ${node} is not running: a fault goes into its network namespace, so start it first`);
    return ['nsenter', '-t', String(pid), '-n'];
  }

  private async ensureChain(where: string): Promise<string[]> {
    const pre = await this.ns(where === 'host' ? undefined : where);
    if (!this.chains.has(where)) {
      await run([...pre, 'iptables', '-w', '-N', this.chain]);
      this.chains.add(where);
      await run([...pre, 'iptables', '-w', '-I', 'INPUT', '-j', this.chain, '-m', 'comment', '--comment', this.comment]);
    }
    return pre;
  }

  private addr(name: string): string {
    const n = this.nodes.get(name);
    if (!n) throw new FaultError(`no node named "${name}"`);
    return n.address;
  }

  async apply(f: FaultSpec): Promise<void> {
    if (f.kind === 'heal') return this.heal();
    if (f.kind === 'rate') return this.rate(f.node, f.kbit);
    if (f.kind === 'delay') return this.delay(f.node, f.ms, f.jitterMs);
    for (const r of dropRules(f, [...this.nodes.keys()])) {
      const where = this.mode.kind === 'local' ? 'host' : r.receiver!;
      const pre = await this.ensureChain(where);
      const match: string[] = [];
      if (r.source) match.push('-s', this.addr(r.source));
      else if (this.mode.kind === 'local') match.push('-s', this.mode.range);
      if (this.mode.kind === 'local') match.push('-d', r.receiver ? this.addr(r.receiver) : this.mode.range);
      const stat = r.probability < 1 ? ['-m', 'statistic', '--mode', 'random', '--probability', r.probability.toFixed(4)] : [];
      const target = r.probability < 1 ? await this.loggedDrop(where, pre, r.why) : 'DROP';
      const argv = [...pre, 'iptables', '-w', '-A', this.chain, ...match, ...stat, '-m', 'comment', '--comment', `${this.comment}: ${r.why}`, '-j', target];
      await run(argv);
      this.applied.push(argv.join(' '));
      this.history.push({ rule: r, from: Date.now() / 1000 });
    }
  }

  /**
   * A chain that logs a packet to the run's NFLOG group (prefix: the rule's reason) and
   * drops it, so the diagram can mark exactly which packets a random rule dropped; its
   * namespace's log reader is started first. Without a reader (no dropLog, or tcpdump
   * cannot open the group) the rule only drops, and dropLogNote says why.
   */
  private async loggedDrop(where: string, pre: string[], why: string): Promise<string> {
    if (!this.dropLog) return 'DROP';
    if (!this.dropLogs.has(where)) {
      if (this.dropLogNote) return 'DROP';
      const file = join(this.dropLog.dir, where === 'host' ? 'dropped.pcap' : `dropped-${where}.pcap`);
      try {
        this.dropLogs.set(where, await DropLog.start(this.dropLog.tcpdump, pre, this.group, file));
      } catch (e) {
        this.dropLogNote = `random drops are not marked one by one: ${(e as Error).message}`;
        return 'DROP';
      }
    }
    const chains = this.logChains.get(where) ?? [];
    const name = `${this.chain}-${chains.length}`;
    await run([...pre, 'iptables', '-w', '-N', name]);
    chains.push(name);
    this.logChains.set(where, chains);
    await run([...pre, 'iptables', '-w', '-A', name, '-j', 'NFLOG', '--nflog-group', String(this.group), '--nflog-prefix', why.slice(0, 60), '--nflog-threshold', '1']);
    await run([...pre, 'iptables', '-w', '-A', name, '-j', 'DROP']);
    return name;
  }

  /**
   * netem on what the node sends: docker, on its eth0; local, under an htb class of lo of
   * its own (picked by source address, as for rate), so other programs' loopback traffic is
   * not delayed. (Not run on this project's machines: their kernel has no netem.)
   */
  private async delay(node: string, ms: number, jitterMs: number): Promise<void> {
    if (this.shaped.has(node)) throw new FaultError(`node ${node} already has a rate limit or delay; delay and rate on one node are not combined`);
    const netem = ['netem', 'delay', `${ms}ms`, ...(jitterMs ? [`${jitterMs}ms`] : [])];
    if (this.mode.kind === 'docker') {
      const argv = [...(await this.ns(node)), 'tc', 'qdisc', 'replace', 'dev', 'eth0', 'root', ...netem];
      await run(argv);
      this.applied.push(argv.join(' '));
      this.shaped.add(node);
      return;
    }
    const minor = await this.loClass(node, 10_000_000);
    const argv = ['tc', 'qdisc', 'add', 'dev', 'lo', 'parent', `1:${minor}`, 'handle', `${minor}:`, ...netem];
    await run(argv);
    this.applied.push(argv.join(' '));
  }

  /** local: the shaped root of lo (once), and a class of its own for what `node` sends. */
  private async loClass(node: string, kbit: number): Promise<string> {
    // lo carries every program's loopback traffic: an htb root whose default (0) leaves
    // unclassified packets alone, and one class per shaped node, picked by source address.
    if (!this.loShaped) {
      const cur = await run(['tc', 'qdisc', 'show', 'dev', 'lo']);
      if (!/qdisc noqueue/.test(cur)) throw new FaultError(`lo already has a queueing discipline (${cur.trim().split('\n')[0]}): another lab shapes it; run rate and delay steps one lab at a time on the local runtime`);
      // Another lab may have shaped lo between the look and the add: say so, not tc's words.
      await run(['tc', 'qdisc', 'add', 'dev', 'lo', 'root', 'handle', '1:', 'htb', 'default', '0']).catch((e: Error) => {
        throw /Exclusivity flag on|File exists/.test(e.message) ? new FaultError('lo was just given a queueing discipline by another lab: run rate and delay steps one lab at a time on the local runtime') : e;
      });
      this.loShaped = true;
    }
    const minor = (this.shaped.size + 1).toString(16);
    const argv = ['tc', 'class', 'replace', 'dev', 'lo', 'parent', '1:', 'classid', `1:${minor}`, 'htb', 'rate', `${kbit}kbit`, 'ceil', `${kbit}kbit`];
    await run(argv);
    await run(['tc', 'filter', 'add', 'dev', 'lo', 'parent', '1:', 'protocol', 'ip', 'prio', '1', 'u32', 'match', 'ip', 'src', `${this.addr(node)}/32`, 'flowid', `1:${minor}`]);
    this.applied.push(argv.join(' '));
    this.shaped.add(node);
    return minor;
  }

  private async rate(node: string, kbit: number): Promise<void> {
    if (this.mode.kind === 'docker') {
      const pre = await this.ns(node);
      // burst: a tenth of a second at the rate, at least two full frames.
      const burst = Math.max(3200, Math.round((kbit * 1000) / 8 / 10));
      const argv = [...pre, 'tc', 'qdisc', 'replace', 'dev', 'eth0', 'root', 'tbf', 'rate', `${kbit}kbit`, 'burst', String(burst), 'latency', '400ms'];
      await run(argv);
      this.applied.push(argv.join(' '));
      this.shaped.add(node);
      return;
    }
    await this.loClass(node, kbit);
  }

  /** Remove every fault (rules flushed, shaping removed); the chains stay until close(). */
  async heal(): Promise<void> {
    const errors: string[] = [];
    for (const where of this.chains) {
      try {
        const pre = await this.ns(where === 'host' ? undefined : where);
        await run([...pre, 'iptables', '-w', '-F', this.chain]);
      } catch (e) {
        errors.push((e as Error).message);
      }
    }
    const now = Date.now() / 1000;
    for (const h of this.history) h.to ??= now;
    if (this.mode.kind === 'docker') {
      for (const node of this.shaped) await run([...(await this.ns(node)), 'tc', 'qdisc', 'del', 'dev', 'eth0', 'root']).catch((e: Error) => errors.push(e.message));
    } else if (this.loShaped) {
      await run(['tc', 'qdisc', 'del', 'dev', 'lo', 'root']).catch((e: Error) => errors.push(e.message));
      this.loShaped = false;
    }
    this.shaped.clear();
    if (errors.length) throw new FaultError(errors.join('; '));
  }

  /**
   * Take everything out: flush and delete our chain and its jump in every namespace, and
   * the shaping. A node already gone took its namespace (and rules) with it.
   */
  async close(): Promise<void> {
    await this.heal().catch(() => undefined);
    for (const where of [...this.chains]) {
      try {
        const pre = await this.ns(where === 'host' ? undefined : where);
        await run([...pre, 'iptables', '-w', '-D', 'INPUT', '-j', this.chain, '-m', 'comment', '--comment', this.comment]).catch(() => undefined);
        await run([...pre, 'iptables', '-w', '-F', this.chain]).catch(() => undefined);
        await run([...pre, 'iptables', '-w', '-X', this.chain]).catch(() => undefined);
        for (const c of this.logChains.get(where) ?? []) {
          await run([...pre, 'iptables', '-w', '-F', c]).catch(() => undefined);
          await run([...pre, 'iptables', '-w', '-X', c]).catch(() => undefined);
        }
      } catch {
        /* the node stopped: its namespace and rules are gone with it */
      }
      this.chains.delete(where);
      this.logChains.delete(where);
    }
    // The logs last: every logged drop is in its file once its reader has stopped.
    for (const [where, log] of this.dropLogs) {
      await log.stop();
      this.drops.push(...readDropLog(log.file));
      this.dropLogs.delete(where);
    }
  }

  /** After close(): which of these captured packets the random-loss rules dropped (for dropped()). */
  markDropped(captured: IpPacket[]): void {
    this.droppedPackets = droppedAmong(this.drops, captured);
  }

  /** Rules of ours still present, per place looked at: the tear-down check. */
  async leftovers(): Promise<string[]> {
    const places: (string | undefined)[] = this.mode.kind === 'local' ? [undefined] : [...this.nodes.keys()];
    const left: string[] = [];
    for (const p of places) {
      let pre: string[];
      try {
        pre = await this.ns(p);
      } catch {
        continue; // not running: no namespace left to hold a rule
      }
      const rules = await run([...pre, 'iptables', '-w', '-S']).catch(() => '');
      for (const line of rules.split('\n')) if (line.includes(this.chain)) left.push(`${p ?? 'host'}: ${line}`);
      const q = await run([...pre, 'tc', 'qdisc', 'show', 'dev', this.mode.kind === 'local' ? 'lo' : 'eth0']).catch(() => '');
      if (/qdisc (tbf|htb|netem)/.test(q) && (this.mode.kind === 'docker' || this.loShaped)) left.push(`${p ?? 'host'}: ${q.trim()}`);
    }
    return left;
  }

  /**
   * For the diagram: a packet that a partition rule in force at that moment dropped, or a
   * datagram a random-loss rule logged as dropped (known after close() and markDropped()).
   */
  readonly dropped: DropOracle = (ts, fromIp, toIp, _proto, packet) => {
    const from = this.byAddress.get(fromIp);
    const to = this.byAddress.get(toIp);
    const hit = this.history.find((h) => h.rule.probability >= 1 && h.from <= ts && (h.to === undefined || ts <= h.to) && h.rule.receiver === to && (!h.rule.source || h.rule.source === from));
    if (hit) return `dropped by ${hit.rule.why}`;
    const why = packet && this.droppedPackets?.get(packet);
    return why ? `dropped by ${why}` : undefined;
  };
}
