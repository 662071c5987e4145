import type { Duplex } from 'node:stream';
import type { TimerClock } from '../common/clock.js';
import { CookieJar } from './cookie-jar.js';
import type { HistoryStore } from './history-store.js';
import { LoginService } from './login-service.js';
import { ServerConnection } from './server-connection.js';

/** Everything the server core needs; sockets stay outside (see start-server.ts). */
export interface ChatServerOptions {
  subscribers: ReadonlyMap<string, string>;
  history: HistoryStore;
  clock: TimerClock;
  /** Activity timer: a connected client silent this long is disconnected (0 = never). */
  idleTimeoutMs: number;
  /** How long a client has to finish IDENT + CONNECT on a new TCP connection. */
  handshakeTimeoutMs?: number;
  /** Lifetime of a rand_cookie between AUTH_SUCCESS and CONNECT. */
  cookieTtlMs?: number;
  /** Lifetime of a CHALLENGE's rand. */
  challengeTtlMs?: number;
  /** TCP port to announce in AUTH_SUCCESS. */
  tcpPort: () => number;
  log?: (line: string) => void;
  random?: (n: number) => Buffer;
}

interface Session {
  a: ServerConnection;
  b: ServerConnection;
}

/**
 * The server core: who is connected, who chats with whom, the history, the cookies.
 *
 * Why separate from sockets: UDP datagrams come in through handleDatagram and TCP streams
 * through attachStream (any Duplex), so every rule here runs in tests without ports.
 */
export class ChatServer {
  readonly clock: TimerClock;
  readonly history: HistoryStore;
  readonly cookies: CookieJar;
  readonly idleTimeoutMs: number;
  readonly handshakeTimeoutMs: number;
  readonly log: (line: string) => void;
  private readonly login: LoginService;
  private readonly connections = new Map<string, ServerConnection>();
  private readonly open = new Set<ServerConnection>();
  private readonly sessions = new Map<number, Session>();
  private nextSession: number;

  constructor(o: ChatServerOptions) {
    this.clock = o.clock;
    this.history = o.history;
    this.idleTimeoutMs = o.idleTimeoutMs;
    this.handshakeTimeoutMs = o.handshakeTimeoutMs ?? 10_000;
    this.log = o.log ?? (() => {});
    this.cookies = new CookieJar(o.clock, o.cookieTtlMs ?? 30_000);
    this.login = new LoginService({
      subscribers: o.subscribers,
      cookies: this.cookies,
      clock: o.clock,
      tcpPort: o.tcpPort,
      challengeTtlMs: o.challengeTtlMs ?? 30_000,
      log: this.log,
      ...(o.random ? { random: o.random } : {}),
    });
    this.nextSession = o.history.maxSession + 1;
  }

  /** One UDP datagram in; the reply to send back to its source, or null. */
  handleDatagram(datagram: Buffer, from: string): Buffer | null {
    return this.login.handle(datagram, from);
  }

  /** A new TCP connection (or any Duplex in tests). */
  attachStream(stream: Duplex, remote: string): ServerConnection {
    const conn = new ServerConnection(this, stream, remote);
    this.open.add(conn);
    return conn;
  }

  /** The connected client with this ID, if any. */
  connectionOf(id: string): ServerConnection | undefined {
    return this.connections.get(id);
  }

  /** IDs currently connected (for logs and tests). */
  connectedIds(): string[] {
    return [...this.connections.keys()];
  }

  /** A CONNECT succeeded; a previous connection of the same ID is replaced. */
  register(conn: ServerConnection): void {
    const old = this.connections.get(conn.id);
    this.connections.set(conn.id, conn);
    if (old && old !== conn) {
      this.log(`${old.label()}: replaced by a new log-on`);
      old.disconnect('replaced');
    }
  }

  startSession(a: ServerConnection, b: ServerConnection): number {
    const id = this.nextSession++;
    this.sessions.set(id, { a, b });
    a.session = id;
    b.session = id;
    return id;
  }

  /** End a session; the side that did not end it gets END_NOTIF. */
  endSession(id: number, by: ServerConnection, why: string): void {
    const s = this.sessions.get(id);
    if (!s) return;
    this.sessions.delete(id);
    s.a.session = null;
    s.b.session = null;
    const other = s.a === by ? s.b : s.a;
    other.send({ type: 'END_NOTIF', session: id });
    this.log(`END_NOTIF ${id} -> ${other.id} (${by.id} ${why})`);
  }

  /** Store a chat message and pass it to the other side of the session. */
  relay(from: ServerConnection, session: number, text: string): void {
    const s = this.sessions.get(session);
    if (!s) return;
    const to = s.a === from ? s.b : s.a;
    try {
      this.history.append({ session, from: from.id, to: to.id, text, at: this.clock.now() });
    } catch (err) {
      this.log(`history: cannot append (${(err as Error).message}); message relayed but not stored`);
    }
    to.send({ type: 'CHAT', session, text });
    this.log(`CHAT ${session} ${from.id} -> ${to.id} (${Buffer.byteLength(text, 'utf8')} bytes)`);
  }

  /** Called by a connection once it is closed, for whatever reason. */
  connectionClosed(conn: ServerConnection, wasConnected: boolean, why: string): void {
    this.open.delete(conn);
    if (conn.session !== null) this.endSession(conn.session, conn, `disconnected: ${why}`);
    if (this.connections.get(conn.id) === conn) this.connections.delete(conn.id);
    if (wasConnected) this.log(`${conn.label()}: DISCONNECTED (${why})`);
  }

  /** Close every connection (server shutdown). */
  closeAll(): void {
    for (const c of [...this.open]) c.disconnect('server-shutdown');
  }
}
