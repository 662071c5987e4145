import { createHash, type Hash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DatagramPort, PeerAddress } from './datagram-port.js';
import type { HashWorker } from './hash-worker.js';
import { encodePeerPacket, MAX_SACK_BYTES, type PeerPacket } from './peer-packet.js';
import type { PeerTimers } from './peer-timers.js';
import type { TransferTuning } from './transfer-tuning.js';

/** Contiguous bytes handed to the hashing thread at a time. */
const HASH_BATCH_BYTES = 256 * 1024;

type Offer = Extract<PeerPacket, { type: 'offer' }>;

export type ReceiveResult =
  | { ok: true; sender: string; fileName: string; savedAs: string; bytes: number; sha256: Buffer }
  | { ok: false; sender: string; fileName: string; reason: string };

/**
 * The receiving half of one transfer: writes chunks at their offsets into a temporary
 * file, acknowledges cumulatively plus a selective bitmap, hashes the data in file order
 * as it becomes contiguous, and at the end compares with the offered SHA-256, renames the
 * file to `<sender>_<filename>` and reports DONE.
 *
 * Why: acks are coalesced to one per event-loop turn (many datagrams are read per turn),
 * which keeps the reverse traffic small; every transfer has its own instance, so several
 * can arrive at once.
 */
export class FileReceiver {
  private readonly got: Uint8Array;
  private gotCount = 0;
  private cumulative = 0;
  /** Running SHA-256 of the contiguous prefix; chunks past a gap wait in `ahead`. */
  private readonly hash: Hash = createHash('sha256');
  private readonly ahead = new Map<number, Buffer>();
  private fd: number | undefined;
  /** Whole file in shared memory when it is small enough (one write at the end instead of one per chunk). */
  private mem: Buffer | undefined;
  private shared: SharedArrayBuffer | undefined;
  private workerHash: number | undefined;
  private hashedUpTo = 0;
  private readonly tempPath: string;
  readonly savedAs: string;
  private ackPending = false;
  private state: 'receiving' | 'verifying' | 'finished' = 'receiving';
  private done: Extract<PeerPacket, { type: 'done' }> | undefined;
  private lastPacket: number;
  private cancelTimer: (() => void) | undefined;
  private resolve!: (r: ReceiveResult) => void;
  readonly result: Promise<ReceiveResult>;

  constructor(
    private readonly port: DatagramPort,
    readonly from: PeerAddress,
    readonly offer: Offer,
    dir: string,
    private readonly timers: PeerTimers,
    private readonly tuning: TransferTuning,
    /** Called once the transfer is over and late packets need no more answers. */
    private readonly onForget: () => void,
    /** Off-thread hashing for in-memory files; without it the event loop hashes. */
    private readonly hasher?: HashWorker,
  ) {
    this.got = new Uint8Array(offer.chunkCount);
    this.savedAs = `${offer.sender}_${offer.fileName}`;
    this.tempPath = path.join(dir, `.${this.savedAs}.${offer.id.toString(16)}.part`);
    this.finalPath = path.join(dir, this.savedAs);
    this.lastPacket = timers.now();
    this.result = new Promise((resolve) => (this.resolve = resolve));
  }

  private readonly finalPath: string;

  /** Open the temporary file and accept. Throws if the file cannot be created. */
  start(): void {
    this.fd = fs.openSync(this.tempPath, 'w');
    if (this.offer.size <= this.tuning.memoryLimitBytes) {
      fs.closeSync(this.fd);
      this.fd = undefined;
      this.shared = new SharedArrayBuffer(this.offer.size);
      this.mem = Buffer.from(this.shared);
      if (this.hasher) this.workerHash = this.hasher.begin();
    }
    this.send({ type: 'accept', id: this.offer.id });
    this.armIdle();
    if (this.offer.chunkCount === 0) void this.verify();
  }

  onPacket(p: PeerPacket): void {
    this.lastPacket = this.timers.now();
    switch (p.type) {
      case 'offer':
        if (this.state === 'receiving') this.send({ type: 'accept', id: this.offer.id });
        return;
      case 'data':
        this.onData(p.seq, p.payload);
        return;
      case 'fin':
        if (this.done) this.send(this.done);
        else if (this.state === 'receiving') this.scheduleAck();
        return;
      case 'abort':
        this.fail(`the sender aborted: ${p.reason}`, false);
        return;
      default:
        return;
    }
  }

  private onData(seq: number, payload: Buffer): void {
    if (this.state !== 'receiving') {
      if (this.done) this.send(this.done);
      return;
    }
    if (seq >= this.offer.chunkCount) return;
    const offset = seq * this.offer.chunkSize;
    const expected = Math.min(this.offer.chunkSize, this.offer.size - offset);
    if (payload.length !== expected) return; // malformed chunk: ignore, it will be resent
    if (!this.got[seq]) {
      try {
        if (this.mem) payload.copy(this.mem, offset);
        else fs.writeSync(this.fd!, payload, 0, payload.length, offset);
      } catch (err) {
        this.fail(`cannot write ${this.tempPath}: ${(err as Error).message}`, true, 'io-error');
        return;
      }
      this.got[seq] = 1;
      this.gotCount++;
      if (this.workerHash !== undefined) {
        while (this.cumulative < this.offer.chunkCount && this.got[this.cumulative]) this.cumulative++;
        const contiguous = Math.min(this.offer.size, this.cumulative * this.offer.chunkSize);
        if (contiguous - this.hashedUpTo >= HASH_BATCH_BYTES || contiguous === this.offer.size) {
          this.hasher!.update(this.workerHash, this.shared!, this.hashedUpTo, contiguous - this.hashedUpTo);
          this.hashedUpTo = contiguous;
        }
      } else if (seq === this.cumulative) {
        this.hash.update(payload);
        this.cumulative++;
        for (let next = this.ahead.get(this.cumulative); next; next = this.ahead.get(this.cumulative)) {
          this.ahead.delete(this.cumulative);
          this.hash.update(next);
          this.cumulative++;
        }
      } else this.ahead.set(seq, this.mem ? this.mem.subarray(offset, offset + payload.length) : Buffer.from(payload));
    }
    if (this.gotCount === this.offer.chunkCount) {
      this.sendAck();
      void this.verify();
    } else this.scheduleAck();
  }

  private scheduleAck(): void {
    if (this.ackPending) return;
    this.ackPending = true;
    this.timers.defer(() => {
      this.ackPending = false;
      if (this.state === 'receiving') this.sendAck();
    });
  }

  private sendAck(): void {
    const sack = Buffer.alloc(MAX_SACK_BYTES);
    let used = 0;
    for (let i = 0; i < MAX_SACK_BYTES * 8; i++) {
      const seq = this.cumulative + 1 + i;
      if (seq >= this.offer.chunkCount) break;
      if (this.got[seq]) {
        sack[i >> 3]! |= 0x80 >> (i & 7);
        used = (i >> 3) + 1;
      }
    }
    this.send({ type: 'ack', id: this.offer.id, cumulative: this.cumulative, sack: sack.subarray(0, used) });
  }

  private async verify(): Promise<void> {
    this.state = 'verifying';
    try {
      if (this.mem) fs.writeFileSync(this.tempPath, this.mem);
      else fs.closeSync(this.fd!);
      this.fd = undefined;
      this.mem = undefined;
      let digest: Buffer;
      if (this.workerHash !== undefined) {
        const id = this.workerHash;
        this.workerHash = undefined;
        const d = await this.hasher!.digest(id);
        if (!d) throw new Error('the hashing thread failed');
        digest = d;
      } else {
        await Promise.resolve();
        digest = this.hash.digest();
      }
      if (this.state !== 'verifying') return; // aborted meanwhile
      if (!digest.equals(this.offer.sha256)) {
        this.done = { type: 'done', id: this.offer.id, status: 'digest-mismatch', sha256: digest };
        this.fail('SHA-256 mismatch: the file arrived corrupted and was discarded', true, 'digest-mismatch', digest);
        return;
      }
      fs.renameSync(this.tempPath, this.finalPath);
      this.done = { type: 'done', id: this.offer.id, status: 'ok', sha256: digest };
      this.send(this.done);
      this.settle({
        ok: true,
        sender: this.offer.sender,
        fileName: this.offer.fileName,
        savedAs: this.savedAs,
        bytes: this.offer.size,
        sha256: digest,
      });
    } catch (err) {
      this.fail(`cannot save ${this.savedAs}: ${(err as Error).message}`, true, 'io-error');
    }
  }

  /** Give up: remove the partial file, tell the sender unless it told us. */
  fail(reason: string, tellSender: boolean, status: 'digest-mismatch' | 'io-error' | 'abort' = 'abort', digest?: Buffer): void {
    if (this.state === 'finished') return;
    if (this.fd !== undefined) {
      try {
        fs.closeSync(this.fd);
      } catch {
        // already closed
      }
      this.fd = undefined;
    }
    this.mem = undefined;
    if (this.workerHash !== undefined) this.hasher?.discard(this.workerHash);
    this.workerHash = undefined;
    fs.rmSync(this.tempPath, { force: true });
    if (tellSender) {
      if (status === 'abort') this.send({ type: 'abort', id: this.offer.id, reason });
      else {
        this.done ??= { type: 'done', id: this.offer.id, status, sha256: digest ?? Buffer.alloc(32) };
        this.send(this.done);
      }
    }
    this.settle({ ok: false, sender: this.offer.sender, fileName: this.offer.fileName, reason });
  }

  private settle(r: ReceiveResult): void {
    this.state = 'finished';
    this.cancelTimer?.();
    // Linger to answer a late FIN (our DONE may be lost), then forget.
    this.cancelTimer = this.timers.setTimeout(() => this.onForget(), this.tuning.lingerMs);
    this.resolve(r);
  }

  private armIdle(): void {
    this.cancelTimer = this.timers.setTimeout(() => {
      if (this.state !== 'receiving') return;
      const idle = this.timers.now() - this.lastPacket;
      if (idle >= this.tuning.receiverIdleMs) this.fail('the sender stopped sending', true);
      else this.armIdle();
    }, Math.max(1, this.tuning.receiverIdleMs - (this.timers.now() - this.lastPacket)));
  }

  private send(p: PeerPacket): void {
    this.port.send(encodePeerPacket(p), this.from);
  }
}
