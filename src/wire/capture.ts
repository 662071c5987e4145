import type { ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync, readFileSync, statSync, watch } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { readPcap, type Pcap } from './pcap-reader.js';
import { decodeIpPacket, type IpPacket } from './ip-packet.js';
import { startTcpdump } from './start-tcpdump.js';

/** Where a lab's traffic can be captured: an interface and a filter (from the runtime). */
export interface CaptureTarget {
  iface: string;
  /** tcpdump filter: the lab's addresses only. */
  filter: string;
  snaplen: number;
  /** Marker datagrams are sent from here to there, inside the lab's range, to know the file is complete. */
  marker: { from?: string; to: string; broadcast?: boolean };
}

export interface CaptureSummary {
  bytes: number;
  packets: number;
  /** Set when the size cap stopped the capture early. */
  capped?: string;
  /** Packets the kernel dropped before tcpdump read them (tcpdump's own count at exit). */
  droppedByKernel?: number;
}

/** Port of the sync marker datagrams (discard); they are left out of diagrams and checks. */
const MARKER_PORT = 9;
const MARKER = 'netlab-wire-sync ';

/** True for the capture's own sync datagrams. */
function isMarker(p: IpPacket): boolean {
  return p.proto === 'udp' && p.dstPort === MARKER_PORT && p.payload.toString('latin1', 0, MARKER.length) === MARKER;
}

/** The tcpdump binary, or undefined when it is not installed. */
export function findTcpdump(): string | undefined {
  return ['/usr/bin/tcpdump', '/usr/sbin/tcpdump', '/bin/tcpdump', '/sbin/tcpdump'].find((p) => existsSync(p));
}

/** Raised when a capture cannot start or was required and is impossible. */
class CaptureError extends Error {
  override name = 'CaptureError';
}

/**
 * A running tcpdump writing the lab's packets to a pcap file. `-U` writes each packet as
 * it arrives, and sync() proves it: it sends a marker datagram through the lab's range
 * and waits until the file holds it, so everything sent before is in the file too. The
 * size cap stops tcpdump and leaves a note.
 */
export class Capture {
  private exited: Promise<void>;
  private capped?: string;
  private stopped = false;
  private cap?: NodeJS.Timeout;

  private constructor(
    private readonly proc: ChildProcess,
    readonly file: string,
    private readonly target: CaptureTarget,
    private readonly maxBytes: number,
  ) {
    this.exited = new Promise((resolve) => proc.once('exit', () => resolve()));
    // The cap is checked four times a second: at most a quarter second of traffic over it
    // (a loopback flood writes some 60 MB a second).
    this.cap = setInterval(() => {
      if (this.size() > this.maxBytes) {
        this.capped = `capture stopped at the size cap of ${this.maxBytes >= 1048576 ? `${Math.round(this.maxBytes / 1048576)} MiB` : `${Math.round(this.maxBytes / 1024)} KiB`}; later traffic is not in capture.pcap`;
        void this.stop();
      }
    }, 250);
    this.cap.unref();
  }

  static async start(tcpdump: string, target: CaptureTarget, file: string, maxBytes: number, signal?: AbortSignal): Promise<Capture> {
    // On `any` each packet is seen entering and leaving interfaces; -Q in keeps one copy
    // (as it enters from its sender), so the file opens in Wireshark without duplicates.
    const direction = target.iface === 'any' ? ['-Q', 'in'] : [];
    const proc = await startTcpdump(tcpdump, ['-i', target.iface, ...direction, '-U', '--immediate-mode', '-B', '32768', '-n', '-p', '-s', String(target.snaplen), '-w', file, target.filter], {
      what: target.iface,
      signal,
      error: (m) => new CaptureError(m),
    });
    const c = new Capture(proc, file, target, maxBytes);
    proc.stderr!.on('data', (b: Buffer) => (c.stderr += b.toString()));
    return c;
  }

  private stderr = '';

  /** The note left when the size cap stopped the capture, once it has. */
  get cappedNote(): string | undefined {
    return this.capped;
  }

  size(): number {
    try {
      return statSync(this.file).size;
    } catch {
      return 0;
    }
  }

  /**
   * Send a marker and wait until it is in the file: then every earlier packet is there too.
   * Resolves with the marker's time in the capture (undefined once the capture stopped).
   */
  async sync(timeoutMs = 5000): Promise<number | undefined> {
    if (this.stopped) return undefined;
    const nonce = randomBytes(6).toString('hex');
    const payload = Buffer.from(MARKER + nonce);
    let at: number | undefined;
    const seen = () => {
      at = readPcap(readFileSync(this.file)).packets.find((p) => p.data.includes(payload))?.ts;
      return at !== undefined;
    };
    const sock = createSocket('udp4');
    try {
      await new Promise<void>((r, j) => (sock.once('error', j), sock.bind(0, this.target.marker.from, () => r())));
      if (this.target.marker.broadcast) sock.setBroadcast(true);
      const send = () => sock.send(payload, MARKER_PORT, this.target.marker.to);
      send();
      await new Promise<void>((resolve, reject) => {
        const w = watch(this.file, () => check());
        let resends = 0;
        // The first datagram to a container may wait for ARP; send again now and then.
        const again = setInterval(() => (resends++ < 10 ? send() : undefined), 200);
        const timer = setTimeout(() => done(new CaptureError(`the capture did not see its marker within ${timeoutMs / 1000}s (tcpdump on ${this.target.iface})`)), timeoutMs);
        const done = (e?: Error) => (w.close(), clearInterval(again), clearTimeout(timer), e ? reject(e) : resolve());
        const check = () => {
          try {
            if (this.stopped || seen()) done();
          } catch (e) {
            done(e as Error);
          }
        };
        check();
      });
    } finally {
      sock.close();
    }
    return at;
  }

  /** The capture so far (a torn last record is left out). */
  read(): Pcap {
    return readPcap(readFileSync(this.file));
  }

  /** Stop tcpdump (it flushes and closes the file) and wait for it to exit. */
  async stop(): Promise<CaptureSummary> {
    clearInterval(this.cap);
    if (!this.stopped) {
      this.stopped = true;
      if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill('SIGTERM');
    }
    await this.exited;
    let packets = 0;
    try {
      packets = this.read().packets.length;
    } catch {
      /* an empty or unreadable file: counted as none */
    }
    const dropped = /(\d+) packets? dropped by kernel/.exec(this.stderr);
    return { bytes: this.size(), packets, capped: this.capped, ...(dropped ? { droppedByKernel: Number(dropped[1]) } : {}) };
  }
}

/** Decode the packets of a capture file, without the sync markers. */
export function packetsOf(pcap: Pcap): IpPacket[] {
  const out: IpPacket[] = [];
  for (const raw of pcap.packets) {
    const p = decodeIpPacket(pcap.linkType, raw);
    if (p && !isMarker(p)) out.push(p);
  }
  return out;
}
