import type { Clock } from '../common/clock.js';
import { USAGE_EXIT_CODE } from '../common/parse-args-or-exit.js';
import { encodeBeacon, BEACON_VERSION } from './beacon.js';
import type { ClientConnection } from './client-connection.js';
import type { ContactLogKeeper } from './contact-log-keeper.js';
import { MSG, entryLine, tempIdLine } from './messages.js';
import type { ServerMessage } from './protocol.js';
import { isWithin, parseTime } from './time-format.js';

/** Client exit codes (documented in docs/protocols/bluetrace.md). */
export const EXIT = {
  ok: 0,
  blocked: 1,
  usage: USAGE_EXIT_CODE,
  connection: 3,
} as const;

/** The app's collaborators, all injected so tests need no ports, files or TTY. */
export interface ClientAppOptions {
  conn: ClientConnection;
  /** Write to stdout exactly as given (prompts carry no newline). */
  out: (text: string) => void;
  /** Write to stderr exactly as given. */
  err: (text: string) => void;
  clock: Clock;
  keeper: ContactLogKeeper;
  sendDatagram: (datagram: Buffer, host: string, port: number) => Promise<void>;
  /** Test hook for the "expired beacon" scenario: send even when the TempID has expired. */
  allowExpiredBeacon?: boolean;
  /** Called once with the exit code; the program then exits. */
  exit: (code: number) => void;
}

type State = 'username' | 'password' | 'command' | 'done';

interface HeldTempId {
  tempId: string;
  start: string;
  expiry: string;
}

/**
 * The client's user interface: a state machine fed one stdin line at a time.
 *
 * Why a queue: the lab types several lines into a pipe at once; each line is
 * handled only after the previous one's server reply, so lines are never taken
 * for the wrong prompt. Nothing is echoed; prompts end without a newline.
 */
export class ClientApp {
  private state: State = 'username';
  private username = '';
  private tempId: HeldTempId | undefined;
  private readonly queue: string[] = [];
  private busy = false;
  private inputEnded = false;
  private leaving = false;

  constructor(private readonly o: ClientAppOptions) {
    o.conn.on('close', () => {
      if (this.state === 'done' || this.leaving) return;
      this.o.err(`${MSG.connectionLost}\n`);
      this.finish(EXIT.connection);
    });
  }

  /** Print the first prompt. */
  start(): void {
    this.o.out(MSG.usernamePrompt);
  }

  /** One line typed on stdin (without its newline). */
  feedLine(line: string): void {
    this.queue.push(line);
    void this.pump();
  }

  /** stdin reached end of file: finish the queued lines, then exit 0. */
  endOfInput(): void {
    this.inputEnded = true;
    void this.pump();
  }

  private async pump(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      while (this.queue.length > 0 && this.state !== 'done') await this.handle(this.queue.shift()!);
    } catch (e) {
      if (this.state !== 'done' && !this.o.conn.closed) this.o.err(`Error: ${e instanceof Error ? e.message : String(e)}\n`);
    } finally {
      this.busy = false;
    }
    if (this.queue.length > 0 && this.state !== 'done') return void this.pump();
    if (this.inputEnded && this.state !== 'done') {
      this.leaving = true;
      this.finish(EXIT.ok);
    }
  }

  private async handle(line: string): Promise<void> {
    switch (this.state) {
      case 'username':
        return this.onUsername(line);
      case 'password':
        return this.onPassword(line);
      case 'command':
        return this.onCommand(line);
      case 'done':
        return;
    }
  }

  private onUsername(line: string): void {
    const name = line.trim();
    if (name === '') {
      this.o.out(MSG.usernamePrompt);
      return;
    }
    this.username = name;
    this.state = 'password';
    this.o.out(MSG.passwordPrompt);
  }

  private async onPassword(password: string): Promise<void> {
    const reply = await this.o.conn.request({ type: 'login', username: this.username, password });
    if (reply.type === 'login_ok') {
      this.state = 'command';
      this.o.out(`${MSG.welcome}\n`);
      return;
    }
    if (reply.type === 'login_failed') {
      switch (reply.reason) {
        case 'wrong_password':
          this.o.out(`${MSG.wrongPassword}\n${MSG.passwordPrompt}`);
          return;
        case 'now_blocked':
          this.o.out(`${MSG.nowBlocked}\n`);
          this.finish(EXIT.blocked);
          return;
        case 'blocked':
          this.o.out(`${MSG.blocked}\n`);
          this.finish(EXIT.blocked);
          return;
        case 'unknown_user':
          this.state = 'username';
          this.o.out(`${MSG.unknownUser}\n${MSG.usernamePrompt}`);
          return;
      }
    }
    this.serverError(reply);
    this.state = 'username';
    this.o.out(MSG.usernamePrompt);
  }

  private async onCommand(line: string): Promise<void> {
    const words = line.trim().split(/\s+/).filter((w) => w !== '');
    if (words.length === 0) return;
    const [cmd] = words;
    if (cmd === 'Download_tempID' && words.length === 1) return this.downloadTempId();
    if (cmd === 'Upload_contact_log' && words.length === 1) return this.uploadContactLog();
    if (cmd === 'logout' && words.length === 1) return this.logout();
    if (cmd === 'Beacon' && words.length === 3) {
      const port = Number(words[2]);
      if (/^\d+$/.test(words[2]!) && port >= 1 && port <= 65535) return this.beacon(words[1]!, port);
    }
    this.o.out(`${MSG.invalidCommand}\n`);
  }

  private async downloadTempId(): Promise<void> {
    const reply = await this.o.conn.request({ type: 'download_tempid' });
    if (reply.type !== 'tempid') return this.serverError(reply);
    this.tempId = { tempId: reply.tempId, start: reply.start, expiry: reply.expiry };
    this.o.out(`${tempIdLine(reply.tempId)}\n`);
  }

  private async uploadContactLog(): Promise<void> {
    await this.o.keeper.sweep();
    const entries = this.o.keeper.log
      .entries()
      .sort((a, b) => a.arrivalMs - b.arrivalMs)
      .map(({ tempId, start, expiry }) => ({ tempId, start, expiry }));
    const lines = entries.map((e) => `${entryLine(e.tempId, e.start, e.expiry)}\n`).join('');
    this.o.out(lines);
    const reply = await this.o.conn.request({ type: 'upload_contact_log', entries });
    if (reply.type !== 'upload_ok') return this.serverError(reply);
    this.o.out(`Contact log uploaded: ${reply.received} entries\n`);
  }

  private async logout(): Promise<void> {
    this.leaving = true;
    const reply = await this.o.conn.request({ type: 'logout' });
    if (reply.type !== 'logout_ok') {
      this.leaving = false;
      return this.serverError(reply);
    }
    this.finish(EXIT.ok);
  }

  private async beacon(host: string, port: number): Promise<void> {
    const held = this.tempId;
    if (!held) {
      this.o.out(`${MSG.noTempId}\n`);
      return;
    }
    const valid = isWithin(parseTime(held.start) ?? Infinity, parseTime(held.expiry) ?? -Infinity, this.o.clock.now());
    if (!valid && !this.o.allowExpiredBeacon) {
      this.o.out(`${MSG.expiredTempId}\n`);
      return;
    }
    const datagram = encodeBeacon({ ...held, version: BEACON_VERSION });
    try {
      await this.o.sendDatagram(datagram, host, port);
    } catch (e) {
      this.o.out(`Beacon not sent: ${e instanceof Error ? e.message : String(e)}\n`);
      return;
    }
    this.o.out(`Beacon sent to ${host}:${port}: ${held.tempId}, ${held.start}, ${held.expiry}, version ${BEACON_VERSION}.\n`);
  }

  private serverError(reply: ServerMessage): void {
    const text = reply.type === 'error' ? `${reply.code}: ${reply.message}` : `unexpected ${reply.type} reply`;
    this.o.out(`Server error: ${text}\n`);
  }

  private finish(code: number): void {
    if (this.state === 'done') return;
    this.state = 'done';
    this.queue.length = 0;
    this.o.exit(code);
  }
}
