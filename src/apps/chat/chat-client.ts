import * as fs from 'node:fs';
import * as path from 'node:path';
import type { PeerAddress } from './datagram-port.js';
import type { PeerEvents, PeerLink } from './peer-link.js';
import { COMMAND_HELP, parseCommand } from './parse-command.js';
import type { ServerLink, ServerReply } from './server-link.js';
import type { TerminalOutput } from './terminal-output.js';

export interface ChatClientOptions {
  link: ServerLink;
  peer: PeerLink;
  out: TerminalOutput;
  /** The UDP port other clients reach us on (reported to the server at login). */
  udpPort: number;
  /** Directory UPD file names are resolved against. */
  cwd: string;
  /** Called once with the process exit code. */
  exit: (code: number) => void;
}

const mib = (bytes: number, ms: number): string => ((bytes / 1048576) / Math.max(ms / 1000, 1e-6)).toFixed(1);

/**
 * The interactive client: login dialogue, then one command at a time, printing the
 * server's replies and the peer link's events.
 *
 * Why: input lines are queued and handled strictly in order, each waiting for its reply,
 * so output is deterministic even when a script types everything at once. UPD and DM run
 * in the background and report when they finish.
 */
export class ChatClient {
  private phase: 'user' | 'pass' | 'session' | 'done' = 'user';
  private readonly queue: string[] = [];
  private working = false;
  private inputEnded = false;
  user: string | undefined;

  private get finished(): boolean {
    return this.phase === 'done';
  }

  constructor(private readonly o: ChatClientOptions) {
    o.link.onClosed((reason) => {
      // Let a reply that arrived just before the close be handled first.
      setImmediate(() => {
        if (this.finished) return;
        o.out.line(`Connection to the server lost (${reason}).`);
        this.finish(1);
      });
    });
  }

  /** Show the first prompt once the server greeted us. */
  async start(): Promise<void> {
    await this.o.link.hello;
    this.o.out.prompt('Username: ');
  }

  /** One line typed by the user. */
  input(line: string): void {
    this.queue.push(line);
    void this.drain();
  }

  /** stdin closed: finish the queue, wait for transfers, log out. */
  endInput(): void {
    this.inputEnded = true;
    void this.drain();
  }

  private async drain(): Promise<void> {
    if (this.working) return;
    this.working = true;
    try {
      while (this.queue.length > 0 && !this.finished) {
        const line = this.queue.shift()!;
        this.o.out.inputReceived();
        try {
          await this.handle(line);
        } catch (err) {
          if (!this.finished) this.o.out.line(`Error: ${(err as Error).message}.`);
        }
      }
      if (this.inputEnded && this.queue.length === 0 && !this.finished) await this.onInputEnd();
    } finally {
      this.working = false;
    }
  }

  private async onInputEnd(): Promise<void> {
    if (this.phase === 'session') {
      await this.o.peer.whenIdle();
      if ((this.phase as string) !== 'session') return;
      await this.handle('OUT');
    } else this.finish(0);
  }

  private handle(line: string): Promise<void> {
    switch (this.phase) {
      case 'user':
        return this.onUser(line.trim());
      case 'pass':
        return this.onPassword(line.trim());
      case 'session':
        return this.onCommand(line);
      default:
        return Promise.resolve();
    }
  }

  private async onUser(name: string): Promise<void> {
    if (name === '') {
      this.o.out.prompt('Username: ');
      return;
    }
    const reg = /^REG\s+(\S+)\s+(\S+)\s*$/i.exec(name);
    if (reg || /^REG(\s|$)/i.test(name)) {
      if (!reg) {
        this.o.out.line('Usage: REG <username> <password>');
        this.o.out.prompt('Username: ');
        return;
      }
      const r = await this.o.link.request('register', { name: reg[1], password: reg[2], udpPort: this.o.udpPort });
      if (r.ok) this.loggedIn(r, reg[1]!);
      else {
        this.o.out.line(r.text);
        this.o.out.prompt('Username: ');
      }
      return;
    }
    const r = await this.o.link.request('user', { name });
    if (r.ok) {
      this.user = name;
      this.phase = 'pass';
      this.o.out.prompt('Password: ');
      return;
    }
    this.o.out.line(r.text);
    if (r.code === 'blocked') this.finish(1);
    else this.o.out.prompt('Username: ');
  }

  private async onPassword(password: string): Promise<void> {
    const r = await this.o.link.request('pass', { password, udpPort: this.o.udpPort });
    if (r.ok) {
      this.loggedIn(r, this.user!);
      return;
    }
    this.o.out.line(r.text);
    if (r.code === 'blocked' || r.code === 'blocked-now') this.finish(1);
    else if (r.code === 'wrong-password') this.o.out.prompt('Password: ');
    else {
      this.phase = 'user';
      this.o.out.prompt('Username: ');
    }
  }

  private loggedIn(r: Extract<ServerReply, { ok: true }>, user: string): void {
    this.user = user;
    this.o.peer.self = user;
    this.phase = 'session';
    for (const l of r.lines) this.o.out.line(l);
    this.o.out.line(COMMAND_HELP);
  }

  private async onCommand(line: string): Promise<void> {
    const cmd = parseCommand(line);
    switch (cmd.kind) {
      case 'empty':
        return;
      case 'help':
        this.o.out.line(COMMAND_HELP);
        return;
      case 'error':
        this.o.out.line(`Error: ${cmd.text}`);
        return;
      case 'request': {
        const r = await this.o.link.request(cmd.t, cmd.fields);
        if (!r.ok) {
          this.o.out.line(`Error: ${r.text}`);
          return;
        }
        for (const l of r.lines) this.o.out.line(l);
        if (cmd.t === 'out') {
          this.phase = 'done';
          await this.o.peer.whenIdle();
          this.finish(0);
        }
        return;
      }
      case 'upd':
        return this.upload(cmd.user, cmd.file);
      case 'dm':
        return this.directMessage(cmd.user, cmd.text);
    }
  }

  /** Ask the server where an active user's UDP endpoint is. */
  private async locate(user: string): Promise<PeerAddress | undefined> {
    const r = await this.o.link.request('whereis', { user });
    if (!r.ok) {
      this.o.out.line(`Error: ${r.text}`);
      return undefined;
    }
    return { address: String(r.data.ip), port: Number(r.data.port) };
  }

  private async upload(user: string, file: string): Promise<void> {
    const full = path.resolve(this.o.cwd, file);
    let isFile: boolean;
    try {
      isFile = fs.statSync(full).isFile();
    } catch {
      isFile = false;
    }
    if (!isFile) {
      this.o.out.line(`Error: file "${file}" does not exist.`);
      return;
    }
    const to = await this.locate(user);
    if (!to) return;
    const name = path.basename(full);
    void this.o.peer
      .sendFile(to, full, ({ size }) => this.o.out.line(`Sending ${name} (${size} bytes) to ${user} at ${to.address}:${to.port} ...`))
      .then((r) => {
        if (r.ok) {
          this.o.out.line(
            `Sent ${name} to ${user}: ${r.bytes} bytes in ${(r.ms / 1000).toFixed(2)} s (${mib(r.bytes, r.ms)} MiB/s, ${r.retransmissions} retransmission(s)), sha256 ${r.sha256.toString('hex')} confirmed by the receiver.`,
          );
        } else this.o.out.line(`Error: sending ${name} to ${user} failed: ${r.reason}.`);
      });
  }

  private async directMessage(user: string, text: string): Promise<void> {
    if (Buffer.byteLength(text) > 1200) {
      this.o.out.line('Error: a direct message is limited to 1200 bytes.');
      return;
    }
    const to = await this.locate(user);
    if (!to) return;
    void this.o.peer.sendDm(to, text).then((ok) => {
      this.o.out.line(ok ? `DM sent to ${user}.` : `Error: DM to ${user} was not acknowledged.`);
    });
  }

  private exited = false;

  private finish(code: number): void {
    this.phase = 'done';
    if (this.exited) return;
    this.exited = true;
    this.o.exit(code);
  }
}

/**
 * Prints the peer link's events (incoming files, DMs) on the client's screen.
 *
 * Why: the peer link is created before the client (the UDP port must be bound first),
 * so its event sink is built from the output alone.
 */
export function printPeerEvents(out: TerminalOutput): PeerEvents {
  return {
    receiving: ({ sender, fileName, size }) => out.line(`Receiving ${fileName} (${size} bytes) from ${sender} ...`),
    received: (r) =>
      out.line(
        r.ok
          ? `Received ${r.fileName} from ${r.sender}: saved as ${r.savedAs} (${r.bytes} bytes, sha256 ${r.sha256.toString('hex')} verified).`
          : `Error: receiving ${r.fileName} from ${r.sender} failed: ${r.reason}.`,
      ),
    dm: (sender, text) => out.line(`DM from ${sender}: ${text}`),
  };
}
