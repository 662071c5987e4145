import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NetlabError } from '../model/netlab-error.js';
import type { WireSummary } from '../model/lab-results.js';
import type { LabPlan } from '../topology/lab-plan.js';
import type { PreparedLab, RuntimeKind, WireTarget } from '../runtime/runtime.js';
import { stepRequirements } from '../scenario/steps/step-registry.js';
import type { WireCount, WireQuery } from '../scenario/steps/step-kind.js';
import { StepError } from '../scenario/scenario-errors.js';
import { Capture, findTcpdump, packetsOf, type CaptureSummary } from '../wire/capture.js';
import { FaultInjector, missingFaultTools, type FaultNode } from '../wire/fault-injector.js';
import type { FaultSpec } from '../wire/fault-spec.js';
import { netemSupport } from '../wire/kernel-features.js';
import type { IpPacket } from '../wire/ip-packet.js';
import { tcpFlows } from '../wire/tcp-flows.js';
import { printable } from '../wire/decoded-message.js';
import { wireEvents } from '../wire/wire-events.js';
import { sequenceMermaid } from '../wire/sequence-mermaid.js';
import { sequenceSvg } from '../wire/sequence-svg.js';
import { CAPTURE_FILE, runFiles, SEQUENCE_FILE, sequenceSvgFile } from '../model/run-paths.js';

/** auto: capture when tcpdump and root are there (else one warning); on: required; off: never. */
export type CaptureMode = 'auto' | 'on' | 'off';

/** Default size cap of capture.pcap. */
const CAPTURE_CAP_BYTES = 64 * 1024 * 1024;

/** Where a lab's packets cross: a prepared lab, or a kept one its driver adopted. */
type WireSource = Pick<PreparedLab, 'wireTarget'>;

/** What a replay on a kept lab (lab run) needs for a capture and faults of its own, as its run had. */
export interface KeptWire {
  capture: CaptureMode;
  wireTarget?: () => WireTarget;
}

/** What a run will do on the wire, decided before anything is created. */
export interface WirePlan {
  capture: boolean;
  faults: boolean;
  /** The one line said when auto capture is off. */
  warning?: string;
}

const isRoot = () => process.getuid?.() === 0;

/**
 * Decide capture and faults for a lab, or refuse it (exit 2) naming what is missing: the
 * scenarios' wire steps need the capture, fault steps need root and iptables/tc/nsenter,
 * delay/jitter need the kernel's netem. `lab validate` and `lab up` both ask this.
 */
export function planWire(plan: LabPlan, mode: CaptureMode, runtime?: RuntimeKind): WirePlan {
  const req = stepRequirements(plan.scenarios);
  const tcpdump = findTcpdump();
  const missing = [...(tcpdump ? [] : ['tcpdump (apt-get install tcpdump)']), ...(isRoot() ? [] : ['root (tcpdump captures from the host)'])];
  const needCapture = req.get('capture');
  if (needCapture && mode === 'off') throw new NetlabError(`${plan.file}: ${needCapture} checks the capture, so --no-capture cannot be used with this lab`);
  if (needCapture && missing.length) throw new NetlabError(`${plan.file}: ${needCapture} checks the capture, which needs ${missing.join(' and ')}`);
  if (mode === 'on' && missing.length) throw new NetlabError(`--capture: capturing needs ${missing.join(' and ')}; run with --no-capture to go without`);
  const needFaults = req.get('faults');
  if (needFaults) {
    const tools = missingFaultTools();
    if (!isRoot()) throw new NetlabError(`${plan.file}: ${needFaults} puts faults into the network with iptables/tc from the host, which needs root${runtime === 'local' ? ' (the local runtime changes the host\'s lo)' : ''}`);
    if (tools.length) throw new NetlabError(`${plan.file}: ${needFaults} needs ${tools.join(', ')}`);
  }
  const needNetem = req.get('netem');
  if (needNetem) {
    const n = netemSupport();
    if (!n.ok) throw new NetlabError(`${plan.file}: ${needNetem} needs the kernel's netem qdisc for delay/jitter: ${n.why}. Delay and jitter cannot run here; remove the step or run on a kernel with sch_netem`);
  }
  const capture = mode !== 'off' && missing.length === 0;
  const warning = mode === 'auto' && !capture ? `capture off: it needs ${missing.join(' and ')} (--no-capture silences this)` : undefined;
  return { capture, faults: !!needFaults || !!needNetem, warning };
}

/**
 * One run's wire side: the capture (started once the network exists, stopped at tear-down),
 * wire-step queries, the fault injector, and the sequence diagrams written at the end. A
 * replay on a kept lab (lab run) has one of its own, with the replay's folder as runDir and
 * an id of its own (its fault chain is not the run's).
 */
export class LabWire {
  private capture?: Capture;
  /** tcpdump told to stop by close(); finish() waits for its exit. */
  private stopping?: Promise<CaptureSummary>;
  private faults?: FaultInjector;
  private names = new Map<string, string>();
  private scenarioStart = Date.now() / 1000;
  private windows: { name: string; from: number; to?: number }[] = [];
  private summary: WireSummary = {};

  constructor(
    private readonly plan: LabPlan,
    private readonly wirePlan: WirePlan,
    private readonly runDir: string,
    private readonly runId: string,
    private readonly kind: RuntimeKind,
  ) {
    if (wirePlan.warning) this.summary.note = wirePlan.warning;
    if (!wirePlan.capture) this.summary.note ??= 'capture off (--no-capture)';
  }

  /** Start tcpdump on the lab's network; its "listening" line means the capture is open. */
  async startCapture(lab: WireSource, signal: AbortSignal): Promise<void> {
    if (!this.wirePlan.capture || !lab.wireTarget) return;
    const target = lab.wireTarget();
    this.capture = await Capture.start(findTcpdump()!, target, runFiles.capture(this.runDir), CAPTURE_CAP_BYTES, signal);
    if (target.marker.from && this.kind === 'docker') this.names.set(target.marker.from, 'host');
  }

  /** Once the nodes exist: their names for the diagrams, their namespaces for faults. */
  nodesReady(lab: WireSource, nodes: FaultNode[]): void {
    for (const n of nodes) this.names.set(n.address, n.name);
    if (this.wirePlan.faults && lab.wireTarget) {
      const t = lab.wireTarget();
      const tcpdump = findTcpdump();
      this.faults = new FaultInjector(this.runId, nodes, this.kind === 'docker' ? { kind: 'docker' } : { kind: 'local', range: t.range }, tcpdump && this.wirePlan.capture ? { dir: this.runDir, tcpdump } : undefined);
    }
  }

  scenarioStarted(name: string): void {
    this.scenarioStart = Date.now() / 1000;
    this.windows.push({ name, from: this.scenarioStart });
  }

  scenarioEnded(): void {
    const w = this.windows.at(-1);
    if (w) w.to = Date.now() / 1000;
  }

  readonly hasCapture = () => this.capture !== undefined;
  readonly hasFaults = () => this.faults !== undefined;

  private addressOf(name: string): string {
    for (const [ip, n] of this.names) if (n === name) return ip;
    throw new StepError(`no node named "${name}"`);
  }

  /** A wire step's question, asked of the capture once it holds everything sent so far. */
  async query(q: WireQuery): Promise<WireCount> {
    if (!this.capture) throw new StepError('the capture is off for this run');
    await this.capture.sync();
    const since = q.withinMs !== undefined ? Date.now() / 1000 - q.withinMs / 1000 : this.scenarioStart;
    const src = this.addressOf(q.from);
    const dst = this.addressOf(q.to);
    const pkts = packetsOf(this.capture.read()).filter((p) => p.ts >= since && p.proto === q.proto);
    const between = pkts.filter((p) => p.src === src && p.dst === dst);
    return countMatches(q, between, pkts, src, dst);
  }

  async fault(f: FaultSpec): Promise<void> {
    if (!this.faults) throw new StepError('faults are not available in this run');
    await this.faults.apply(f);
  }

  /**
   * Tear-down, also after Ctrl-C: every fault out (and checked: none of our rules left),
   * the capture synced (a marker seen in the file: every scenario packet is in it), the
   * diagrams written from it, and tcpdump told to stop. Its exit (the file's last bytes and
   * the kernel's drop count) is waited for in finish(), after the nodes are gone, so its
   * 20-40 ms of winding down overlap the tear-down; the diagrams read only up to the marker,
   * so what tear-down sends is never in them.
   */
  async close(): Promise<WireSummary> {
    if (this.faults) {
      await this.faults.close().catch(() => undefined);
      const left = await this.faults.leftovers().catch((e: Error) => [`could not check: ${e.message}`]);
      this.summary.faults = { applied: this.faults.applied, left, ...(this.faults.drops.length ? { dropped: this.faults.drops.length } : {}), ...(this.faults.dropLogNote ? { dropLogNote: this.faults.dropLogNote } : {}) };
    }
    if (this.capture) {
      const end = await this.capture.sync().catch(() => undefined);
      this.stopping = this.capture.stop();
      try {
        this.summary.sequence = this.writeDiagrams(end);
      } catch (e) {
        this.summary.note = `sequence diagram not written: ${(e as Error).message}`;
      }
    }
    return this.summary;
  }

  /** Once tcpdump has exited: the capture's size, packets, kernel drops and cap in the summary. */
  async finish(): Promise<WireSummary> {
    if (!this.stopping) return this.summary;
    const s = await this.stopping;
    this.summary.capture = { file: CAPTURE_FILE, bytes: s.bytes, packets: s.packets, droppedByKernel: s.droppedByKernel ?? 0, ...(s.capped ? { capped: s.capped } : {}) };
    if (s.capped) this.summary.note = s.capped;
    return this.summary;
  }

  /** sequence.md: one Mermaid diagram per scenario; sequence-<n>.svg beside it. */
  private writeDiagrams(end?: number): string[] {
    const packets = packetsOf(this.capture!.read()).filter((p) => end === undefined || p.ts <= end);
    this.faults?.markDropped(packets);
    const order = this.plan.nodes.map((n) => n.name);
    const windows = this.windows.length ? this.windows : [{ name: this.plan.name, from: 0, to: undefined }];
    const md: string[] = [`# ${this.plan.name}: what crossed the wire`, '', `From capture.pcap (${packets.length} TCP/UDP packets). Solid arrows TCP, open arrows UDP, crosses lost.`, ''];
    const files = [SEQUENCE_FILE];
    windows.forEach((w, i) => {
      const inWin = packets.filter((p) => p.ts >= w.from && (w.to === undefined || p.ts <= w.to + 0.5));
      const events = wireEvents(inWin, { names: this.names, dropped: this.faults?.dropped });
      md.push(`## ${w.name}`, '', events.length ? '```mermaid\n' + sequenceMermaid(events, order) + '```' : '_nothing crossed the wire_', '');
      if (events.length) {
        const svg = sequenceSvgFile(i + 1);
        writeFileSync(join(this.runDir, svg), sequenceSvg(events, order));
        md.push(`![${w.name}](${svg})`, '');
        files.push(svg);
      }
    });
    writeFileSync(join(this.runDir, SEQUENCE_FILE), md.join('\n'));
    return files;
  }
}

/** Count what a query matches: UDP datagrams, or TCP packets; with contains, occurrences in each datagram or in the reassembled stream. */
function countMatches(q: WireQuery, between: IpPacket[], all: IpPacket[], src: string, dst: string): WireCount {
  const show = (b: Buffer) => printable(b, 40);
  if (q.contains === undefined) return { matches: between.length, packets: between.length, sample: between.slice(0, 3).map((p) => show(p.payload)) };
  const needle = Buffer.from(q.contains, 'utf8');
  if (q.proto === 'udp') {
    const hits = between.filter((p) => p.payload.includes(needle));
    return { matches: hits.length, packets: between.length, sample: (hits.length ? hits : between).slice(0, 3).map((p) => show(p.payload)) };
  }
  let matches = 0;
  const sample: string[] = [];
  for (const f of tcpFlows(all)) {
    const dir = f.client.ip === src && f.server.ip === dst ? 'c2s' : f.client.ip === dst && f.server.ip === src ? 's2c' : undefined;
    if (!dir) continue;
    const stream = Buffer.concat(f.events.filter((e) => e.kind === 'data' && e.dir === dir).map((e) => e.data!));
    for (let i = stream.indexOf(needle); i >= 0; i = stream.indexOf(needle, i + needle.length)) matches++;
    if (sample.length < 3 && stream.length) sample.push(show(stream));
  }
  return { matches, packets: between.length, sample };
}
