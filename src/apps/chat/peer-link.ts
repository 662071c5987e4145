import { createHash, randomInt } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CHAT_LIMITS } from './chat-limits.js';
import type { DatagramPort, PeerAddress } from './datagram-port.js';
import { FileReceiver, type ReceiveResult } from './file-receiver.js';
import { FileSender, type SendResult } from './file-sender.js';
import { DATA_HEADER_BYTES, decodePeerPacket, encodePeerPacket, isDataPacket, type PeerPacket } from './peer-packet.js';
import { realPeerTimers, type PeerTimers } from './peer-timers.js';
import { sha256File } from './sha256-file.js';
import { DEFAULT_TUNING, type TransferTuning } from './transfer-tuning.js';

/** What the peer link tells its owner (the client prints these). */
export interface PeerEvents {
  receiving?(info: { sender: string; fileName: string; size: number; from: PeerAddress }): void;
  received?(result: ReceiveResult): void;
  dm?(sender: string, text: string, from: PeerAddress): void;
}

export interface PeerLinkOptions {
  /** Directory where received files are saved. */
  dir: string;
  timers?: PeerTimers;
  tuning?: Partial<TransferTuning>;
  events?: PeerEvents;
}

const DM_TRIES = 6;
const DM_RETRY_MS = 250;

/** A file name we are willing to create: a plain name, no path. */
function isSafeFileName(name: string): boolean {
  return (
    name.length > 0 &&
    Buffer.byteLength(name) <= 200 &&
    name !== '.' &&
    name !== '..' &&
    !/[/\\\0]/.test(name)
  );
}

/**
 * The client's UDP peer endpoint: sends and receives files and direct messages over one
 * datagram port, routing each datagram to the transfer it belongs to.
 *
 * Why: one socket (the client's UDP port from the command line) serves any number of
 * concurrent incoming and outgoing transfers; each has its own id, so they never mix.
 */
export class PeerLink {
  /** Our username, stamped into offers and DMs. */
  self = '';
  readonly tuning: TransferTuning;
  private readonly timers: PeerTimers;
  private readonly senders = new Map<number, FileSender>();
  private readonly receivers = new Map<string, FileReceiver>();
  private readonly dmWaiters = new Map<number, () => void>();
  private readonly dmSeen = new Map<string, number>();
  private readonly running = new Set<Promise<unknown>>();
  /** The receiver of the last DATA datagram: consecutive datagrams almost always belong to one transfer. */
  private lastReceiver: FileReceiver | undefined;

  constructor(
    private readonly port: DatagramPort,
    private readonly options: PeerLinkOptions,
  ) {
    this.timers = options.timers ?? realPeerTimers;
    this.tuning = { ...DEFAULT_TUNING, ...options.tuning };
    if (this.tuning.chunkSize < 1 || this.tuning.chunkSize > 65_507 - DATA_HEADER_BYTES) throw new RangeError('chunk size out of range');
    port.onMessage((data, from) => this.onDatagram(data, from));
  }

  /** Transfers in progress in either direction. */
  get busy(): number {
    return this.running.size;
  }

  /** Resolves when no transfer is in progress. */
  async whenIdle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  /** Send a file to a peer; resolves when the receiver confirmed the digest, or on failure. */
  async sendFile(to: PeerAddress, filePath: string, onStart?: (info: { size: number; fileName: string }) => void): Promise<SendResult> {
    const fileName = path.basename(filePath);
    let fd: number;
    let size: number;
    try {
      const st = fs.statSync(filePath);
      if (!st.isFile()) return { ok: false, reason: `${filePath} is not a regular file`, retransmissions: 0 };
      size = st.size;
      fd = fs.openSync(filePath, 'r');
    } catch {
      return { ok: false, reason: `file ${filePath} does not exist`, retransmissions: 0 };
    }
    const work = (async (): Promise<SendResult> => {
      try {
        // Small files are read once into memory; big ones are read chunk by chunk.
        const whole = size <= this.tuning.memoryLimitBytes ? fs.readFileSync(fd) : undefined;
        const sha256 = whole ? createHash('sha256').update(whole).digest() : await sha256File(filePath);
        let id = randomInt(1, 0xffffffff);
        while (this.senders.has(id)) id = randomInt(1, 0xffffffff);
        const source = {
          size: whole?.length ?? size,
          read(fileOffset: number, length: number): Buffer {
            if (whole) return whole.subarray(fileOffset, fileOffset + length);
            const target = Buffer.allocUnsafe(length);
            let done = 0;
            while (done < length) {
              const n = fs.readSync(fd, target, done, length - done, fileOffset + done);
              if (n === 0) throw new Error('file shrank while being sent');
              done += n;
            }
            return target;
          },
        };
        const sender = new FileSender(this.port, to, id, { sender: this.self, fileName, sha256 }, source, this.timers, this.tuning);
        this.senders.set(id, sender);
        onStart?.({ size: source.size, fileName });
        try {
          return await sender.start();
        } finally {
          this.senders.delete(id);
        }
      } finally {
        fs.closeSync(fd);
      }
    })();
    return this.track(work);
  }

  /** Send a direct message; resolves true once the peer acknowledged it. */
  sendDm(to: PeerAddress, text: string): Promise<boolean> {
    const id = randomInt(1, 0xffffffff);
    const packet = encodePeerPacket({ type: 'dm', id, sender: this.self, text });
    return new Promise((resolve) => {
      let tries = 0;
      let cancel: (() => void) | undefined;
      const attempt = (): void => {
        if (tries++ >= DM_TRIES) {
          this.dmWaiters.delete(id);
          resolve(false);
          return;
        }
        this.port.send(packet, to);
        cancel = this.timers.setTimeout(attempt, DM_RETRY_MS);
      };
      this.dmWaiters.set(id, () => {
        cancel?.();
        this.dmWaiters.delete(id);
        resolve(true);
      });
      attempt();
    });
  }

  /** Abort outgoing transfers and stop listening. */
  close(): void {
    for (const s of this.senders.values()) s.abort('the sender is shutting down');
    for (const r of this.receivers.values()) r.fail('the receiver is shutting down', true);
    this.port.close();
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.running.add(p);
    void p.finally(() => this.running.delete(p)).catch(() => {});
    return p;
  }

  private onDatagram(data: Buffer, from: PeerAddress): void {
    if (isDataPacket(data)) {
      // Fast path for the bulk of the traffic: no packet object, no key string.
      const id = data.readUInt32BE(4);
      let r = this.lastReceiver;
      if (!r || r.offer.id !== id || r.from.port !== from.port || r.from.address !== from.address) {
        r = this.receivers.get(`${from.address}:${from.port}:${id}`);
        if (!r) {
          this.port.send(encodePeerPacket({ type: 'abort', id, reason: 'unknown transfer' }), from);
          return;
        }
        this.lastReceiver = r;
      }
      r.onData(data.readUInt32BE(8), data.subarray(DATA_HEADER_BYTES));
      return;
    }
    const p = decodePeerPacket(data);
    if (!p) return;
    switch (p.type) {
      case 'accept':
      case 'ack':
      case 'done':
        this.toSender(p, from);
        return;
      case 'abort': {
        const s = this.senders.get(p.id);
        if (s && s.to.port === from.port && s.to.address === from.address) s.onPacket(p);
        else this.receivers.get(`${from.address}:${from.port}:${p.id}`)?.onPacket(p);
        return;
      }
      case 'offer':
        this.onOffer(p, from);
        return;
      case 'data':
      case 'fin': {
        const r = this.receivers.get(`${from.address}:${from.port}:${p.id}`);
        if (r) r.onPacket(p);
        else this.port.send(encodePeerPacket({ type: 'abort', id: p.id, reason: 'unknown transfer' }), from);
        return;
      }
      case 'dm':
        this.onDm(p, from);
        return;
      case 'dm-ack':
        this.dmWaiters.get(p.id)?.();
        return;
    }
  }

  private toSender(p: PeerPacket, from: PeerAddress): void {
    const s = this.senders.get(p.id);
    if (s && s.to.port === from.port && s.to.address === from.address) s.onPacket(p);
  }

  private onOffer(p: Extract<PeerPacket, { type: 'offer' }>, from: PeerAddress): void {
    const key = `${from.address}:${from.port}:${p.id}`;
    const existing = this.receivers.get(key);
    if (existing) {
      existing.onPacket(p);
      return;
    }
    const refuse = (reason: string): void => this.port.send(encodePeerPacket({ type: 'abort', id: p.id, reason }), from);
    if (!CHAT_LIMITS.userNamePattern.test(p.sender)) return refuse('invalid sender name');
    if (!isSafeFileName(p.fileName)) return refuse('invalid file name');
    if (p.chunkSize < 1 || p.chunkSize > 65_507 - DATA_HEADER_BYTES || p.chunkCount !== Math.ceil(p.size / p.chunkSize)) {
      return refuse('invalid transfer parameters');
    }
    const receiver = new FileReceiver(this.port, from, p, this.options.dir, this.timers, this.tuning, () => {
      if (this.receivers.get(key) === receiver) this.receivers.delete(key);
      if (this.lastReceiver === receiver) this.lastReceiver = undefined;
    });
    try {
      receiver.start();
    } catch (err) {
      return refuse(`cannot create the file: ${(err as Error).message}`);
    }
    this.receivers.set(key, receiver);
    this.options.events?.receiving?.({ sender: p.sender, fileName: p.fileName, size: p.size, from });
    void this.track(receiver.result).then((r) => this.options.events?.received?.(r));
  }

  private onDm(p: Extract<PeerPacket, { type: 'dm' }>, from: PeerAddress): void {
    this.port.send(encodePeerPacket({ type: 'dm-ack', id: p.id }), from);
    const key = `${from.address}:${from.port}:${p.id}`;
    const now = this.timers.now();
    for (const [k, t] of this.dmSeen) if (now - t > 60_000) this.dmSeen.delete(k);
    if (this.dmSeen.has(key)) return;
    this.dmSeen.set(key, now);
    this.options.events?.dm?.(p.sender, p.text, from);
  }
}
