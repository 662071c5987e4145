import type { Duplex } from 'node:stream';
import type { Clock } from '../common/clock.js';
import { normaliseIp } from '../common/normalise-ip.js';
import { ActiveUserList } from './active-user-list.js';
import type { CredentialStore } from './credential-store.js';
import { LoginGuard } from './login-guard.js';
import { MessageBoard } from './message-board.js';
import { ServerSession } from './server-session.js';
import type { ActiveUser } from './active-user-list.js';
import type { BoardMessage } from './message-board.js';
import { ServerFiles, type FileWaiter } from './server-files.js';

export interface ChatServerOptions {
  clock: Clock;
  credentials: CredentialStore;
  /** Consecutive wrong passwords that block an account (1..5). */
  maxAttempts: number;
  /** How long a block lasts. */
  blockMs: number;
  /** Directory for userlog.txt and messagelog.txt; undefined keeps them in memory only. */
  logDir?: string;
  /** Where the server's own event lines go (stdout in server-main). */
  log?: (line: string) => void;
}

/**
 * The shared state of one chat server: accounts, login guard, active users and board,
 * plus the sessions attached to it.
 *
 * Why: sessions are per connection but every rule is global (blocks hold for every IP,
 * the board is shared), so the state lives here and each session only holds who it is.
 * `attach` takes any Duplex, so tests drive the server without opening ports.
 */
export class ChatServer {
  readonly clock: Clock;
  readonly credentials: CredentialStore;
  readonly guard: LoginGuard;
  readonly active = new ActiveUserList();
  readonly board = new MessageBoard();
  readonly log: (line: string) => void;
  private readonly sessions = new Set<ServerSession>();
  private nextSessionId = 1;
  /** userlog.txt and messagelog.txt (kept in memory only without a logDir). */
  readonly files: ServerFiles;

  constructor(readonly options: ChatServerOptions) {
    this.clock = options.clock;
    this.credentials = options.credentials;
    this.guard = new LoginGuard(options.clock, options.maxAttempts, options.blockMs);
    this.log = options.log ?? (() => {});
    this.files = new ServerFiles(
      options.logDir,
      { 'userlog.txt': () => this.active.render(), 'messagelog.txt': () => this.board.render() },
      (file, err) => this.log(`cannot write ${file}: ${err.message}`),
    );
  }

  /** Serve one connection. `remoteIp` is the client's address as the server sees it. */
  attach(stream: Duplex, remoteIp: string): ServerSession {
    const session = new ServerSession(this, stream, normaliseIp(remoteIp), this.nextSessionId++);
    this.sessions.add(session);
    return session;
  }

  /** Called by a session when its connection is gone, however it went. */
  sessionClosed(session: ServerSession): void {
    this.sessions.delete(session);
    const gone = this.active.removeSession(session.id);
    if (gone) {
      this.writeUserLog();
      this.log(`${gone.user} disconnected without logging out; removed from userlog.txt.`);
    }
  }

  get sessionCount(): number {
    return this.sessions.size;
  }

  /** A user was added at position `seq` of the active list: one more line in userlog.txt. */
  userAdded(seq: number, entry: ActiveUser, by?: FileWaiter): void {
    this.files.append('userlog.txt', ActiveUserList.line(seq, entry), by);
  }

  /** The active list lost an entry: userlog.txt is renumbered (rewritten). */
  writeUserLog(by?: FileWaiter): void {
    this.files.rewrite('userlog.txt', by);
  }

  /** A new post, number `n`: one more line in messagelog.txt. */
  messagePosted(n: number, m: BoardMessage, by?: FileWaiter): void {
    this.files.append('messagelog.txt', MessageBoard.line(n, m), by);
  }

  /** A post was edited or deleted: messagelog.txt is rewritten. */
  writeMessageLog(by?: FileWaiter): void {
    this.files.rewrite('messagelog.txt', by);
  }

  /** Drop every connection (server shutdown, tests). */
  close(): void {
    for (const s of [...this.sessions]) s.destroy();
    this.files.close();
  }
}

