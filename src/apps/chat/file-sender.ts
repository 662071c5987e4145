import type { DatagramPort, PeerAddress } from './datagram-port.js';
import { encodeDataHeader, encodePeerPacket, type PeerPacket } from './peer-packet.js';
import type { PeerTimers } from './peer-timers.js';
import type { TransferTuning } from './transfer-tuning.js';

/** The bytes being sent. */
export interface ChunkSource {
  readonly size: number;
  /**
   * `length` bytes from `fileOffset`, in a buffer that stays unchanged until it is sent
   * (a slice of the file in memory, or a fresh buffer read from disk).
   */
  read(fileOffset: number, length: number): Buffer;
}

export type SendResult =
  | { ok: true; bytes: number; ms: number; sha256: Buffer; retransmissions: number }
  | { ok: false; reason: string; retransmissions: number };

/**
 * The sending half of one reliable transfer: OFFER until ACCEPT, then windowed DATA
 * with selective acks, then FIN until the receiver's DONE (digest verdict).
 *
 * Why: UDP loses and reorders; this gives each chunk a number, retransmits what the
 * receiver's acks show missing (fast retransmit after `reorderTolerance` later chunks were
 * acked) or what timed out, and halves its window on loss (AIMD) so it neither stalls nor
 * floods a receiver's socket buffer.
 */
export class FileSender {
  private phase: 'offer' | 'data' | 'fin' | 'finished' = 'offer';
  private readonly chunkCount: number;
  private readonly acked: Uint8Array;
  private readonly sentTx: Float64Array;
  private readonly sentAt: Float64Array;
  private readonly resent: Uint8Array;
  private readonly queued: Uint8Array;
  private readonly inflight = new Set<number>();
  private lost: number[] = [];
  private nextNew = 0;
  private cumBase = 0;
  private ackedCount = 0;
  private tx = 0;
  private cwnd: number;
  private ssthresh = Infinity;
  private recoveryTx = 0;
  private srtt = 0;
  private rttvar = 0;
  private rto: number;
  private timeouts = 0;
  private lastProgress = 0;
  private cancelTimer: (() => void) | undefined;
  private retransmissions = 0;
  private startedAt = 0;
  private resolve!: (r: SendResult) => void;
  readonly result: Promise<SendResult>;

  constructor(
    private readonly port: DatagramPort,
    readonly to: PeerAddress,
    readonly id: number,
    private readonly offer: { sender: string; fileName: string; sha256: Buffer },
    private readonly source: ChunkSource,
    private readonly timers: PeerTimers,
    private readonly tuning: TransferTuning,
  ) {
    this.chunkCount = Math.ceil(source.size / tuning.chunkSize);
    this.acked = new Uint8Array(this.chunkCount);
    this.sentTx = new Float64Array(this.chunkCount);
    this.sentAt = new Float64Array(this.chunkCount);
    this.resent = new Uint8Array(this.chunkCount);
    this.queued = new Uint8Array(this.chunkCount);
    this.cwnd = tuning.initialWindow;
    this.rto = tuning.initialRtoMs;
    this.result = new Promise((resolve) => (this.resolve = resolve));
  }

  start(): Promise<SendResult> {
    this.startedAt = this.timers.now();
    this.lastProgress = this.startedAt;
    this.sendOffer();
    this.armTimer();
    return this.result;
  }

  /** Feed a packet addressed to this transfer. */
  onPacket(p: PeerPacket): void {
    if (this.phase === 'finished') return;
    switch (p.type) {
      case 'accept':
        if (this.phase === 'offer') {
          this.progress();
          if (this.chunkCount === 0) this.enterFin();
          else {
            this.phase = 'data';
            this.pump();
          }
        }
        return;
      case 'ack':
        if (this.phase === 'data') this.onAck(p.cumulative, p.sack);
        return;
      case 'done':
        if (p.status === 'ok' && p.sha256.equals(this.offer.sha256)) {
          this.finish({
            ok: true,
            bytes: this.source.size,
            ms: this.timers.now() - this.startedAt,
            sha256: this.offer.sha256,
            retransmissions: this.retransmissions,
          });
        } else if (p.status === 'digest-mismatch' || p.status === 'ok') {
          this.finish({ ok: false, reason: 'the receiver reported a SHA-256 mismatch', retransmissions: this.retransmissions });
        } else {
          this.finish({ ok: false, reason: 'the receiver could not write the file', retransmissions: this.retransmissions });
        }
        return;
      case 'abort':
        this.finish({ ok: false, reason: `the receiver aborted: ${p.reason}`, retransmissions: this.retransmissions });
        return;
      default:
        return;
    }
  }

  /** Give up locally (client shutting down). */
  abort(reason: string): void {
    if (this.phase === 'finished') return;
    this.port.send(encodePeerPacket({ type: 'abort', id: this.id, reason }), this.to);
    this.finish({ ok: false, reason, retransmissions: this.retransmissions });
  }

  private sendOffer(): void {
    this.port.send(
      encodePeerPacket({
        type: 'offer',
        id: this.id,
        size: this.source.size,
        chunkSize: this.tuning.chunkSize,
        chunkCount: this.chunkCount,
        sha256: this.offer.sha256,
        sender: this.offer.sender,
        fileName: this.offer.fileName,
      }),
      this.to,
    );
  }

  private onAck(cumulative: number, sack: Buffer): void {
    let newest = 0;
    const mark = (seq: number): void => {
      if (seq >= this.chunkCount || this.acked[seq]) return;
      this.acked[seq] = 1;
      this.ackedCount++;
      this.inflight.delete(seq);
      if (this.sentTx[seq]! > newest) newest = this.sentTx[seq]!;
      if (!this.resent[seq]) this.sampleRtt(this.timers.now() - this.sentAt[seq]!);
      this.cwnd += this.cwnd < this.ssthresh ? 1 : 1 / this.cwnd;
      if (this.cwnd > this.tuning.maxWindow) this.cwnd = this.tuning.maxWindow;
    };
    const upTo = Math.min(cumulative, this.chunkCount);
    for (let seq = this.cumBase; seq < upTo; seq++) mark(seq);
    if (upTo > this.cumBase) this.cumBase = upTo;
    for (let i = 0; i < sack.length * 8; i++) if (sack[i >> 3]! & (0x80 >> (i & 7))) mark(cumulative + 1 + i);
    if (newest === 0) return;
    this.progress();
    // Anything sent well before the newest acknowledged chunk is presumed lost.
    let lossAt = 0;
    for (const seq of this.inflight) {
      if (this.sentTx[seq]! < newest - this.tuning.reorderTolerance) {
        this.inflight.delete(seq);
        this.queueLost(seq);
        lossAt = Math.max(lossAt, this.sentTx[seq]!);
      }
    }
    if (lossAt > this.recoveryTx) this.reduceWindow();
    if (this.ackedCount === this.chunkCount) this.enterFin();
    else this.pump();
  }

  private queueLost(seq: number): void {
    if (this.queued[seq] || this.acked[seq]) return;
    this.queued[seq] = 1;
    this.lost.push(seq);
  }

  private reduceWindow(): void {
    this.ssthresh = Math.max(this.tuning.minWindow, this.cwnd / 2);
    this.cwnd = this.ssthresh;
    this.recoveryTx = this.tx;
  }

  private pump(): void {
    while (this.phase === 'data' && this.inflight.size < Math.floor(this.cwnd)) {
      let seq: number | undefined;
      while (this.lost.length > 0) {
        const s = this.lost.shift()!;
        this.queued[s] = 0;
        if (!this.acked[s]) {
          seq = s;
          break;
        }
      }
      if (seq === undefined) {
        if (this.nextNew >= this.chunkCount) break;
        seq = this.nextNew++;
      } else {
        this.resent[seq] = 1;
        this.retransmissions++;
      }
      this.transmit(seq);
    }
  }

  private transmit(seq: number): void {
    this.sentTx[seq] = ++this.tx;
    this.sentAt[seq] = this.timers.now();
    this.inflight.add(seq);
    const offset = seq * this.tuning.chunkSize;
    const length = Math.min(this.tuning.chunkSize, this.source.size - offset);
    // Header and payload go out as one gathered datagram: no copy of the file bytes.
    this.port.send([encodeDataHeader(this.id, seq), this.source.read(offset, length)], this.to);
  }

  private enterFin(): void {
    this.phase = 'fin';
    this.progress();
    this.port.send(encodePeerPacket({ type: 'fin', id: this.id }), this.to);
  }

  private sampleRtt(ms: number): void {
    if (this.srtt === 0) {
      this.srtt = ms;
      this.rttvar = ms / 2;
    } else {
      this.rttvar = 0.75 * this.rttvar + 0.25 * Math.abs(this.srtt - ms);
      this.srtt = 0.875 * this.srtt + 0.125 * ms;
    }
    this.rto = Math.min(this.tuning.maxRtoMs, Math.max(this.tuning.minRtoMs, this.srtt + 4 * this.rttvar));
  }

  private progress(): void {
    this.lastProgress = this.timers.now();
    this.timeouts = 0;
  }

  /** One timer at a time; when it fires early relative to the last progress it re-arms. */
  private armTimer(): void {
    if (this.phase === 'finished') return;
    const due = this.lastProgress + this.rto - this.timers.now();
    this.cancelTimer = this.timers.setTimeout(() => this.onTimer(), Math.max(1, due));
  }

  private onTimer(): void {
    this.cancelTimer = undefined;
    if (this.phase === 'finished') return;
    if (this.timers.now() - this.lastProgress < this.rto) {
      this.armTimer();
      return;
    }
    this.timeouts++;
    if (this.timeouts > this.tuning.maxTimeouts) {
      const what = this.phase === 'offer' ? 'no answer to the offer' : this.phase === 'fin' ? 'no final confirmation' : 'no acknowledgements';
      this.finish({ ok: false, reason: `${what} from ${this.to.address}:${this.to.port}`, retransmissions: this.retransmissions });
      return;
    }
    this.rto = Math.min(this.tuning.maxRtoMs, this.rto * 2);
    this.lastProgress = this.timers.now();
    if (this.phase === 'offer') this.sendOffer();
    else if (this.phase === 'fin') this.port.send(encodePeerPacket({ type: 'fin', id: this.id }), this.to);
    else {
      for (const seq of this.inflight) this.queueLost(seq);
      this.inflight.clear();
      this.ssthresh = Math.max(this.tuning.minWindow, this.cwnd / 2);
      this.cwnd = this.tuning.minWindow;
      this.recoveryTx = this.tx;
      this.pump();
    }
    this.armTimer();
  }

  private finish(r: SendResult): void {
    if (this.phase === 'finished') return;
    this.phase = 'finished';
    this.cancelTimer?.();
    this.resolve(r);
  }
}
