import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Pattern } from '../../topology/pattern.js';
import { AbortedError, StepError } from '../scenario-errors.js';
import { matchWorkerSource } from './match-worker-source.js';

/** Where a pattern matched in the text it was given. */
export interface Found {
  index: number;
  match: string;
  groups: Record<string, string>;
}

/** A match ran past its deadline: the worker running it was ended. */
export class MatchDeadlineError extends StepError {
  constructor(pattern: string, ms: number) {
    super(`matching ${pattern} took longer than ${(ms / 1000).toFixed(1)}s and was stopped (a pattern that backtracks on this output)`);
  }
}

interface Job {
  id: number;
  pattern: Pattern;
  text: string;
  resolve(f: Found | null): void;
  reject(e: Error): void;
}

interface Slot {
  worker: Worker;
  job?: Job;
  timer?: NodeJS.Timeout;
  onAbort?: () => void;
  signal?: AbortSignal;
}

/**
 * A few worker threads that run pattern matches, so no pattern can stop the controller's
 * event loop (step deadlines, scenario limits, Ctrl-C). Each match has a deadline: a match
 * that overruns it, or whose signal aborts, has its worker terminated and replaced.
 * Workers are unref'd: an idle pool never keeps the process alive.
 */
export class MatchPool {
  private readonly slots: Slot[] = [];
  private readonly queue: { job: Job; deadline: number; signal?: AbortSignal; onAbort?: () => void; timer?: NodeJS.Timeout }[] = [];
  private nextId = 1;
  private readonly code: string;
  /** Workers ended because a match overran (for tests and benches). */
  terminated = 0;

  constructor(readonly size = 2) {
    this.code = matchWorkerSource(createRequire(import.meta.url).resolve('re2js'));
  }

  /** Search text for the pattern; rejects with MatchDeadlineError after ms, AbortedError on abort. */
  exec(pattern: Pattern, text: string, ms: number, signal?: AbortSignal): Promise<Found | null> {
    if (signal?.aborted) return Promise.reject(new AbortedError());
    return new Promise((resolve, reject) => {
      const job: Job = { id: this.nextId++, pattern, text, resolve, reject };
      const deadline = Date.now() + ms;
      const entry: (typeof this.queue)[number] = { job, deadline, signal };
      const dequeue = () => {
        const i = this.queue.indexOf(entry);
        if (i >= 0) this.queue.splice(i, 1);
        clearTimeout(entry.timer);
        if (entry.onAbort) signal?.removeEventListener('abort', entry.onAbort);
      };
      entry.onAbort = () => {
        dequeue();
        reject(new AbortedError());
      };
      signal?.addEventListener('abort', entry.onAbort, { once: true });
      // A match waiting for a worker (all busy, maybe each with a stuck match) still ends at
      // its own deadline: the step that asked does not wait on someone else's pattern.
      entry.timer = setTimeout(() => {
        dequeue();
        reject(new MatchDeadlineError(pattern.shown, ms));
      }, ms);
      this.queue.push(entry);
      this.pump();
    });
  }

  /** End every worker (tests; the process ends them anyway). */
  async close(): Promise<void> {
    const all = this.slots.splice(0);
    await Promise.all(all.map((s) => s.worker.terminate()));
  }

  private pump(): void {
    for (;;) {
      const next = this.queue[0];
      if (!next) return;
      let slot = this.slots.find((s) => !s.job);
      if (!slot && this.slots.length < this.size) slot = this.spawn();
      if (!slot) return;
      this.queue.shift();
      clearTimeout(next.timer);
      if (next.onAbort) next.signal?.removeEventListener('abort', next.onAbort);
      if (next.deadline <= Date.now()) {
        next.job.reject(new MatchDeadlineError(next.job.pattern.shown, 0));
        continue;
      }
      this.run(slot, next.job, next.deadline, next.signal);
    }
  }

  private spawn(): Slot {
    const worker = new Worker(this.code, { eval: true });
    worker.unref();
    const slot: Slot = { worker };
    worker.on('message', (msg: { id: number; found?: Found | null; error?: string }) => {
      const job = slot.job;
      if (!job || job.id !== msg.id) return;
      this.finish(slot);
      if (msg.error !== undefined) job.reject(new StepError(`bad regular expression ${job.pattern.shown}: ${msg.error}`));
      else job.resolve(msg.found ?? null);
    });
    worker.on('error', (e) => {
      const job = slot.job;
      this.replace(slot);
      job?.reject(new StepError(`matching ${job.pattern.shown} failed: ${e.message}`));
    });
    this.slots.push(slot);
    return slot;
  }

  private run(slot: Slot, job: Job, deadline: number, signal?: AbortSignal): void {
    slot.job = job;
    const ms = Math.max(0, deadline - Date.now());
    slot.timer = setTimeout(() => {
      this.replace(slot);
      job.reject(new MatchDeadlineError(job.pattern.shown, ms));
    }, ms);
    if (signal) {
      slot.signal = signal;
      slot.onAbort = () => {
        this.replace(slot);
        job.reject(new AbortedError());
      };
      if (signal.aborted) return slot.onAbort();
      signal.addEventListener('abort', slot.onAbort, { once: true });
    }
    slot.worker.ref();
    slot.worker.postMessage({ id: job.id, source: job.pattern.source, flags: job.pattern.flags, engine: job.pattern.engine, text: job.text });
  }

  /** The slot's job is done: clear its timer and abort listener, take the next job. */
  private finish(slot: Slot): void {
    clearTimeout(slot.timer);
    if (slot.onAbort) slot.signal?.removeEventListener('abort', slot.onAbort);
    slot.job = slot.timer = slot.onAbort = slot.signal = undefined;
    slot.worker.unref();
    setImmediate(() => this.pump());
  }

  /** A worker stuck in a match (or broken): terminate it and drop the slot; a new one is spawned on demand. */
  private replace(slot: Slot): void {
    this.finish(slot);
    this.terminated++;
    const i = this.slots.indexOf(slot);
    if (i >= 0) this.slots.splice(i, 1);
    slot.worker.removeAllListeners('message');
    slot.worker.on('error', () => undefined);
    void slot.worker.terminate();
  }
}

let shared: MatchPool | undefined;

/** The process's pool (two workers: the machines this runs on have two cores). */
export function sharedMatchPool(): MatchPool {
  return (shared ??= new MatchPool(2));
}
