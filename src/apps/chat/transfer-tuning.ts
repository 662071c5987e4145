/**
 * Knobs of the reliable transfer; defaults suit loopback and a lab bridge.
 *
 * Why: tests shrink timeouts, the bench and docs name the same values.
 */
export interface TransferTuning {
  /** Payload bytes per DATA datagram. */
  chunkSize: number;
  /** Congestion window at start, in chunks. */
  initialWindow: number;
  /** Smallest and largest window, in chunks (the max stays under the SACK range). */
  minWindow: number;
  maxWindow: number;
  /** A chunk counts as lost when this many chunks sent after it were acknowledged first. */
  reorderTolerance: number;
  /** Retransmission timeout: first value and bounds, in ms. */
  initialRtoMs: number;
  minRtoMs: number;
  maxRtoMs: number;
  /** Consecutive timeouts without progress before the transfer is abandoned. */
  maxTimeouts: number;
  /** Receiver abandons a transfer after this long without a datagram. */
  receiverIdleMs: number;
  /** Receiver keeps a finished transfer this long to answer late FIN/DATA. */
  lingerMs: number;
  /** The sender reads files up to this size into memory at once (and sends slices of it); bigger ones are read chunk by chunk. */
  memoryLimitBytes: number;
}

export const DEFAULT_TUNING: TransferTuning = {
  chunkSize: 8192,
  initialWindow: 32,
  minWindow: 2,
  maxWindow: 256,
  reorderTolerance: 3,
  initialRtoMs: 250,
  minRtoMs: 40,
  maxRtoMs: 2000,
  maxTimeouts: 12,
  receiverIdleMs: 30_000,
  lingerMs: 30_000,
  memoryLimitBytes: 64 * 1024 * 1024,
};
