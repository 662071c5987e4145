import { createHash, type Hash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DatagramPort, PeerAddress } from './datagram-port.js';
import { encodePeerPacket, MAX_SACK_BYTES, type PeerPacket } from './peer-packet.js';
import type { PeerTimers } from './peer-timers.js';
import type { TransferTuning } from './transfer-tuning.js';

/** In-order chunks gathered before one positional writev (also flushed before every ack). */
const WRITE_BATCH_CHUNKS = 64;
/** Chunks further than this past the cumulative point are dropped (the ack bitmap cannot name them; they are resent). */
const AHEAD_LIMIT = MAX_SACK_BYTES * 8;

type Offer = Extract<PeerPacket, { type: 'offer' }>;

export type ReceiveResult =
  | { ok: true; sender: string; fileName: string; savedAs: string; bytes: number; sha256: Buffer }
  | { ok: false; sender: string; fileName: string; reason: string };

/**
 * The receiving half of one transfer: takes chunks in file order, hashing each and writing
 * them to a temporary file in batches (one positional writev per batch); chunks that
 * arrive ahead of a gap wait in memory until the gap is filled. Acknowledges cumulatively
 * plus a selective bitmap; at the end compares the SHA-256 with the offered one, renames
 * the file to `<sender>_<filename>` and reports DONE.
 *
 * Why: each payload is used where it arrived (a slice of the datagram's own buffer) and
 * touched twice, by the hash and by the kernel's write, with no copy, no big allocation
 * and no helper thread. On a two-core machine with sender and receiver busy, a hashing
 * thread and a file-sized SharedArrayBuffer (page faults, a second copy at the end) cost
 * more than they saved. Acks are coalesced to one per event-loop turn (many datagrams are
 * read per turn), which keeps the reverse traffic small; every transfer has its own
 * instance, so several can arrive at once.
 */
export class FileReceiver {
  private readonly got: Uint8Array;
  private gotCount = 0;
  /** Chunks below this are hashed and (after the next flush) written. */
  private cumulative = 0;
  /** Running SHA-256 of the chunks below `cumulative`. */
  private readonly hash: Hash = createHash('sha256');
  /** Chunks received past a gap, by sequence number. */
  private readonly ahead = new Map<number, Buffer>();
  /** In-order chunks not yet written, starting at file offset `written`. */
  private pending: Buffer[] = [];
  private written = 0;
  private readonly lastChunkBytes: number;
  private fd: number | undefined;
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
  ) {
    this.got = new Uint8Array(offer.chunkCount);
    this.lastChunkBytes = offer.size - (offer.chunkCount - 1) * offer.chunkSize;
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
    this.send({ type: 'accept', id: this.offer.id });
    this.armIdle();
    if (this.offer.chunkCount === 0) this.verify();
  }

  onPacket(p: PeerPacket): void {
    switch (p.type) {
      case 'offer':
        this.lastPacket = this.timers.now();
        if (this.state === 'receiving') this.send({ type: 'accept', id: this.offer.id });
        return;
      case 'data':
        this.onData(p.seq, p.payload);
        return;
      case 'fin':
        this.lastPacket = this.timers.now();
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

  /** A DATA chunk; `payload` may be kept (it is a slice of the datagram's own buffer). */
  onData(seq: number, payload: Buffer): void {
    this.lastPacket = this.timers.now();
    if (this.state !== 'receiving') {
      if (this.done) this.send(this.done);
      return;
    }
    const count = this.offer.chunkCount;
    if (seq >= count) return;
    if (payload.length !== (seq === count - 1 ? this.lastChunkBytes : this.offer.chunkSize)) return; // malformed: ignore, it will be resent
    if (this.got[seq]) {
      this.scheduleAck(); // a duplicate: our ack was probably lost
      return;
    }
    if (seq - this.cumulative > AHEAD_LIMIT) {
      this.scheduleAck(); // show the sender where we are; the chunk will be resent
      return;
    }
    this.got[seq] = 1;
    this.gotCount++;
    if (seq === this.cumulative) {
      this.take(payload);
      for (let next = this.ahead.get(this.cumulative); next; next = this.ahead.get(this.cumulative)) {
        this.ahead.delete(this.cumulative);
        this.take(next);
      }
      if (this.pending.length >= WRITE_BATCH_CHUNKS && !this.flush()) return;
    } else this.ahead.set(seq, payload);
    if (this.gotCount === count) {
      this.sendAck();
      this.verify();
    } else this.scheduleAck();
  }

  /** The next chunk in file order: hash it now, write it with the next batch. */
  private take(chunk: Buffer): void {
    this.hash.update(chunk);
    this.pending.push(chunk);
    this.cumulative++;
  }

  /** Write the pending in-order chunks; false (and the transfer failed) on an I/O error. */
  private flush(): boolean {
    if (this.pending.length === 0 || this.fd === undefined) return true;
    const chunks = this.pending;
    this.pending = [];
    try {
      let bytes = 0;
      for (const c of chunks) bytes += c.length;
      let n = fs.writevSync(this.fd, chunks, this.written);
      if (n < bytes) {
        // Short write (unusual for a regular file): finish the rest plainly.
        const rest = Buffer.concat(chunks).subarray(n);
        for (let off = 0; off < rest.length; ) {
          const w = fs.writeSync(this.fd, rest, off, rest.length - off, this.written + n + off);
          if (w === 0) throw new Error('the disk accepted no more bytes');
          off += w;
        }
        n = bytes;
      }
      this.written += n;
      return true;
    } catch (err) {
      this.fail(`cannot write ${this.tempPath}: ${(err as Error).message}`, true, 'io-error');
      return false;
    }
  }

  private scheduleAck(): void {
    if (this.ackPending) return;
    this.ackPending = true;
    this.timers.defer(() => {
      this.ackPending = false;
      if (this.state === 'receiving' && this.flush()) this.sendAck();
    });
  }

  private sendAck(): void {
    const sack = Buffer.alloc(MAX_SACK_BYTES);
    let used = 0;
    const end = Math.min(MAX_SACK_BYTES * 8, this.offer.chunkCount - this.cumulative - 1);
    if (this.ahead.size > 0) {
      for (let i = 0; i < end; i++) {
        if (this.got[this.cumulative + 1 + i]) {
          sack[i >> 3]! |= 0x80 >> (i & 7);
          used = (i >> 3) + 1;
        }
      }
    }
    this.send({ type: 'ack', id: this.offer.id, cumulative: this.cumulative, sack: sack.subarray(0, used) });
  }

  /** All chunks are here: write the rest, check the digest, keep or discard the file. */
  private verify(): void {
    this.state = 'verifying';
    if (!this.flush()) return;
    try {
      if (this.fd !== undefined) fs.closeSync(this.fd);
      this.fd = undefined;
      const digest = this.hash.digest();
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
    this.pending = [];
    this.ahead.clear();
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
    this.pending = [];
    this.ahead.clear();
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
