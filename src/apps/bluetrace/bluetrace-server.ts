import { createServer, type Server, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { systemClock, type Clock } from '../common/clock.js';
import { DEFAULT_LISTEN_BACKLOG } from '../common/listen-backlog.js';
import { loadCredentials } from './credentials.js';
import { LoginGuard } from './login-guard.js';
import type { ServerContext } from './server-handlers.js';
import { ServerSession } from './server-session.js';
import { TempIdStore } from './tempid-store.js';

/** Default TempID lifetime: 15 minutes. */
export const DEFAULT_TEMPID_LIFETIME_SECONDS = 15 * 60;

/** Server settings; clock, log and generator are injectable for tests. */
export interface BlueTraceServerOptions {
  /** Folder holding credentials.txt and tempIDs.txt (the program passes its cwd). */
  dir: string;
  blockDurationSeconds: number;
  tempIdLifetimeSeconds?: number;
  clock?: Clock;
  /** Server console (stdout). */
  log?: (text: string) => void;
  /** Warnings (stderr). */
  warn?: (text: string) => void;
  /** Injected TempID generator, for tests. */
  generateTempId?: () => string;
  /** Listen backlog (default DEFAULT_LISTEN_BACKLOG, capped by the kernel's somaxconn). */
  backlog?: number;
}

/**
 * The BlueTrace reporting server: shared state plus any number of sessions.
 *
 * Why `attach` takes any Duplex: tests drive whole sessions over in-memory
 * streams, and `listen` merely feeds TCP sockets to the same entry point.
 */
export class BlueTraceServer {
  readonly ctx: ServerContext;
  private readonly sessions = new Set<ServerSession>();
  private net: Server | undefined;

  private constructor(
    ctx: ServerContext,
    private readonly backlog: number,
  ) {
    this.ctx = ctx;
  }

  /** Read credentials.txt and tempIDs.txt from `opts.dir` and build the server. */
  static async open(opts: BlueTraceServerOptions): Promise<BlueTraceServer> {
    const clock = opts.clock ?? systemClock;
    const warn = opts.warn ?? ((t: string) => process.stderr.write(t + '\n'));
    const credentials = await loadCredentials(opts.dir, warn);
    const tempIds = new TempIdStore({
      dir: opts.dir,
      lifetimeMs: (opts.tempIdLifetimeSeconds ?? DEFAULT_TEMPID_LIFETIME_SECONDS) * 1000,
      clock,
      warn,
      generate: opts.generateTempId,
    });
    await tempIds.load();
    return new BlueTraceServer({
      credentials,
      guard: new LoginGuard(opts.blockDurationSeconds * 1000, clock),
      tempIds,
      log: opts.log ?? ((t: string) => process.stdout.write(t + '\n')),
    }, opts.backlog ?? DEFAULT_LISTEN_BACKLOG);
  }

  /** Serve one connection over `stream`. */
  attach(stream: Duplex): ServerSession {
    const session = new ServerSession(stream, this.ctx);
    this.sessions.add(session);
    void session.closedPromise().then(() => this.sessions.delete(session));
    return session;
  }

  /**
   * Accept TCP connections. The program passes no host (all interfaces, as the
   * lab needs); tests and the bench pass 127.0.0.1. Resolves with the bound port.
   */
  listen(port: number, host?: string): Promise<number> {
    const server = createServer({ allowHalfOpen: true }, (sock: Socket) => {
      sock.setNoDelay(true);
      sock.setKeepAlive(true, 30_000);
      this.attach(sock);
    });
    server.maxConnections = 4096;
    this.net = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      const done = (): void => {
        server.off('error', reject);
        server.on('error', (err) => process.stderr.write(`server socket error: ${err.message}\n`));
        const addr = server.address();
        resolve(typeof addr === 'object' && addr ? addr.port : port);
      };
      server.listen({ port, ...(host === undefined ? {} : { host }), backlog: this.backlog }, done);
    });
  }

  /** Number of open sessions. */
  get sessionCount(): number {
    return this.sessions.size;
  }

  /** Stop listening, close every session, and wait for pending file writes. */
  async close(): Promise<void> {
    const net = this.net;
    this.net = undefined;
    const closing = net ? new Promise<void>((resolve) => net.close(() => resolve())) : Promise.resolve();
    const all = [...this.sessions].map((s) => s.closedPromise());
    for (const s of this.sessions) s.destroy();
    await Promise.all([closing, ...all]);
    await this.ctx.tempIds.idle();
  }
}
