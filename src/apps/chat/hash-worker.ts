import { Worker } from 'node:worker_threads';

// Plain CommonJS so it runs from a string both under tsc output and under vitest.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const hashes = new Map();
parentPort.on('message', (m) => {
  let h = hashes.get(m.id);
  if (!h) { h = createHash('sha256'); hashes.set(m.id, h); }
  if (m.op === 'update') h.update(new Uint8Array(m.shared, m.offset, m.length));
  else { hashes.delete(m.id); parentPort.postMessage({ id: m.id, digest: m.op === 'digest' ? h.digest() : null }); }
});
`;

/**
 * SHA-256 computed on a worker thread over ranges of a SharedArrayBuffer.
 *
 * Why: hashing costs about as much CPU as receiving the datagrams; done on the event loop
 * it would halve transfer throughput. The receiver assembles small files in shared
 * memory and hands each newly contiguous range to this worker, so the digest is ready
 * almost as soon as the last chunk arrives, without copying any data.
 */
export class HashWorker {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly waiting = new Map<number, (digest: Buffer | null) => void>();

  private get thread(): Worker {
    if (!this.worker) {
      const w = new Worker(WORKER_SOURCE, { eval: true });
      w.unref();
      w.on('message', (m: { id: number; digest: Uint8Array | null }) => {
        const done = this.waiting.get(m.id);
        this.waiting.delete(m.id);
        done?.(m.digest ? Buffer.from(m.digest) : null);
      });
      w.on('error', () => {
        for (const done of this.waiting.values()) done(null);
        this.waiting.clear();
        this.worker = undefined;
      });
      this.worker = w;
    }
    return this.worker;
  }

  /** Start the thread now, so the first transfer does not pay its start-up time. */
  warm(): void {
    void this.thread;
  }

  /** Start a new running hash; returns its handle. */
  begin(): number {
    return this.nextId++;
  }

  /** Feed bytes [offset, offset+length) of the shared buffer, in file order. */
  update(id: number, shared: SharedArrayBuffer, offset: number, length: number): void {
    if (length > 0) this.thread.postMessage({ op: 'update', id, shared, offset, length });
  }

  /** Finish the hash; null if the worker failed. */
  digest(id: number): Promise<Buffer | null> {
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      this.thread.postMessage({ op: 'digest', id });
    });
  }

  /** Forget a hash that will not be finished. */
  discard(id: number): void {
    if (this.worker) this.worker.postMessage({ op: 'discard', id });
  }

  close(): void {
    void this.worker?.terminate();
    this.worker = undefined;
  }
}
