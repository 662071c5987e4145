import { timingSafeEqual } from 'node:crypto';
import type { Clock } from '../common/clock.js';

interface Entry {
  cookie: string;
  ck: Buffer;
  expiresAt: number;
}

/** Why a CONNECT cookie was refused. */
export type CookieRefusal = 'no-cookie' | 'expired-cookie' | 'bad-cookie';

/**
 * The rand_cookies handed out in AUTH_SUCCESS, waiting for their CONNECT.
 *
 * Why: a cookie is bound to one client ID (one entry per ID; a newer log-on replaces it),
 * expires after a TTL and is single-use (taking it, right or wrong, removes it), so a
 * replayed, stale or borrowed cookie cannot open a TCP session.
 */
export class CookieJar {
  private readonly byId = new Map<string, Entry>();

  constructor(
    private readonly clock: Clock,
    private readonly ttlMs: number,
  ) {}

  issue(id: string, cookie: string, ck: Buffer): void {
    this.byId.set(id, { cookie, ck, expiresAt: this.clock.now() + this.ttlMs });
  }

  /** The CK to open this ID's CONNECT with, if it has a live cookie. */
  keyFor(id: string): Buffer | undefined {
    const e = this.live(id);
    return e?.ck;
  }

  /** Consume the ID's cookie; returns null when accepted, else why not. */
  take(id: string, cookie: string): CookieRefusal | null {
    const e = this.byId.get(id);
    if (!e) return 'no-cookie';
    this.byId.delete(id);
    if (this.clock.now() >= e.expiresAt) return 'expired-cookie';
    const a = Buffer.from(e.cookie);
    const b = Buffer.from(cookie);
    if (a.length !== b.length || !timingSafeEqual(a, b)) return 'bad-cookie';
    return null;
  }

  private live(id: string): Entry | undefined {
    const e = this.byId.get(id);
    if (e && this.clock.now() >= e.expiresAt) {
      this.byId.delete(id);
      return undefined;
    }
    return e;
  }
}
