import type { Duplex } from 'node:stream';
import { systemClock, type TimerClock } from '../common/clock.js';
import { MType } from './pdu.js';
import { ServerSession } from './server-session.js';
import type { UserDb } from './user-db.js';

/** The server's timers and limits; the defaults are the seed's. */
export interface ChatServerLimits {
  /** A connection that is not logged in by then gets LOGIN_DISCONNECT (seed: 60 s). */
  loginTimeoutMs: number;
  /** Wrong logins before LOGIN_DISCONNECT (seed: 3). */
  maxLoginAttempts: number;
  /** A session that sends nothing (not even ALIVE) for this long is dropped: 3 ALIVE periods of 30 s. */
  silenceTimeoutMs: number;
  /** Connections at once; one more is closed at once. */
  maxSessions: number;
  /** Bytes queued for one slow reader before it is dropped. */
  maxQueuedBytes: number;
}

const DEFAULT_LIMITS: ChatServerLimits = {
  loginTimeoutMs: 60_000,
  maxLoginAttempts: 3,
  silenceTimeoutMs: 90_000,
  maxSessions: 1000,
  maxQueuedBytes: 1 << 20,
};

export interface ChatServerOptions {
  users: UserDb;
  clock?: TimerClock;
  log?: (line: string) => void;
  limits?: Partial<ChatServerLimits>;
}

/**
 * The chat's shared state: who is logged in under which user id, and the sessions.
 *
 * Why apart from the transport: a session reads and writes any Duplex (a QUIC stream in
 * the program, an in-memory pair in tests), so every rule here is tested without ports.
 * User ids count up from 1 for each login and are never reused.
 */
export class ChatServer {
  readonly clock: TimerClock;
  readonly limits: ChatServerLimits;
  readonly log: (line: string) => void;
  readonly sessions = new Set<ServerSession>();
  /** Logged-in sessions by user id. */
  readonly byId = new Map<number, ServerSession>();
  private nextId = 1;

  constructor(readonly opts: ChatServerOptions) {
    this.clock = opts.clock ?? systemClock;
    this.limits = { ...DEFAULT_LIMITS, ...(opts.limits ?? {}) };
    this.log = opts.log ?? (() => {});
  }

  get users(): UserDb {
    return this.opts.users;
  }

  /** Serve one client on `stream` (remote: "ip:port", for logs). */
  attachStream(stream: Duplex, remote: string): ServerSession | null {
    if (this.sessions.size >= this.limits.maxSessions) {
      this.log(`refused ${remote}: ${this.sessions.size} sessions already`);
      stream.on('error', () => {});
      stream.destroy();
      return null;
    }
    const s = new ServerSession(this, stream, remote);
    this.sessions.add(s);
    return s;
  }

  /** The session logged in as `username`, if any. */
  loggedIn(username: string): ServerSession | undefined {
    for (const s of this.byId.values()) if (s.username === username) return s;
    return undefined;
  }

  /** Give a session the next user id and tell everyone else. */
  register(s: ServerSession, username: string): number {
    const id = this.nextId++;
    s.userId = id;
    s.username = username;
    for (const other of this.byId.values()) other.send(MType.LOGIN_BROADCAST, { user_id: id, username });
    this.byId.set(id, s);
    return id;
  }

  /** A session ended (logout, drop, timeout): forget it and tell the others it left. */
  forget(s: ServerSession, reason: string): void {
    this.sessions.delete(s);
    if (s.userId !== null && this.byId.get(s.userId) === s) {
      this.byId.delete(s.userId);
      for (const other of this.byId.values()) other.send(MType.LOGOUT_BROADCAST, { user_id: s.userId, username: s.username, reason });
    }
  }

  /** Close every session (server shutdown). */
  closeAll(): void {
    for (const s of [...this.sessions]) s.abort('server shutting down');
  }
}
