import type { TokenHit } from '../domain/exposure.js';
import type { StatusToken } from '../domain/status-request.js';

/** Tokens per combined query at most: a few requests' worth, so one query stays short. */
const MAX_BATCH_TOKENS = 2000;

interface Waiting {
  tokens: readonly StatusToken[];
  ok: (hits: TokenHit[]) => void;
  fail: (e: unknown) => void;
}

/**
 * Status lookups that arrive in the same turn of the event loop go to the database as one
 * query (their tokens concatenated), and each caller gets its own hits back, indexed as it
 * asked. Under load (50 clients at once) most of a status request's cost is per query,
 * not per token: the driver's round trip, parse of the reply, a backend's executor start.
 * A lone request waits one setImmediate, microseconds.
 */
export class LookupBatcher {
  private pending: Waiting[] = [];
  private scheduled = false;

  constructor(private readonly run: (tokens: readonly StatusToken[]) => Promise<TokenHit[]>) {}

  lookup(tokens: readonly StatusToken[]): Promise<TokenHit[]> {
    if (tokens.length === 0) return Promise.resolve([]);
    return new Promise((ok, fail) => {
      this.pending.push({ tokens, ok, fail });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    const all = this.pending;
    this.pending = [];
    let batch: Waiting[] = [];
    let size = 0;
    for (const w of all) {
      if (batch.length && size + w.tokens.length > MAX_BATCH_TOKENS) {
        this.send(batch);
        batch = [];
        size = 0;
      }
      batch.push(w);
      size += w.tokens.length;
    }
    if (batch.length) this.send(batch);
  }

  private send(batch: Waiting[]): void {
    if (batch.length === 1) {
      const w = batch[0]!;
      this.run(w.tokens).then(w.ok, w.fail);
      return;
    }
    const starts: number[] = [];
    const tokens: StatusToken[] = [];
    for (const w of batch) {
      starts.push(tokens.length);
      tokens.push(...w.tokens);
    }
    this.run(tokens).then(
      (hits) => {
        const mine: TokenHit[][] = batch.map(() => []);
        for (const h of hits) {
          // The caller whose range holds this index: the last start at or before it.
          let lo = 0;
          let hi = starts.length - 1;
          while (lo < hi) {
            const mid = (lo + hi + 1) >> 1;
            if (starts[mid]! <= h.index) lo = mid;
            else hi = mid - 1;
          }
          mine[lo]!.push({ ...h, index: h.index - starts[lo]! });
        }
        batch.forEach((w, i) => w.ok(mine[i]!));
      },
      (e) => batch.forEach((w) => w.fail(e)),
    );
  }
}
