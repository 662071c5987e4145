import type { Duplex } from 'node:stream';
import { encodeFrame, FrameReader, type ChatFrame } from './frame-reader.js';

/** The server's answer to one request. */
export type ServerReply =
  | { ok: true; lines: string[]; data: Record<string, unknown> }
  | { ok: false; code: string; text: string; data: Record<string, unknown> };

/**
 * The client's end of the TCP connection: numbered requests, replies matched by id,
 * multi-frame replies (`more: true`) reassembled.
 *
 * Why: the client logic awaits `request()` like a function call and never sees frames;
 * any Duplex works, so tests connect client and server with an in-memory pipe.
 */
export class ServerLink {
  private readonly reader = new FrameReader();
  private readonly pending = new Map<number, { resolve: (r: ServerReply) => void; reject: (e: Error) => void; lines: string[] }>();
  private nextId = 1;
  private closedFlag = false;
  private readonly closeListeners: ((reason: string) => void)[] = [];
  private helloResolve!: () => void;
  /** Resolves when the server's greeting has arrived. */
  readonly hello: Promise<void> = new Promise((resolve) => (this.helloResolve = resolve));

  constructor(private readonly stream: Duplex) {
    stream.on('data', (chunk: Buffer | string) => this.onData(typeof chunk === 'string' ? Buffer.from(chunk) : chunk));
    stream.on('end', () => this.onClose('the server closed the connection'));
    stream.on('close', () => this.onClose('the server closed the connection'));
    stream.on('error', (err: Error) => this.onClose(err.message));
  }

  get closed(): boolean {
    return this.closedFlag;
  }

  request(t: string, fields: Record<string, unknown> = {}): Promise<ServerReply> {
    if (this.closedFlag) return Promise.reject(new Error('not connected to the server'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, lines: [] });
      try {
        this.stream.write(encodeFrame(t, { id, ...fields }));
      } catch (err) {
        this.pending.delete(id);
        reject(err as Error);
      }
    });
  }

  onClosed(listener: (reason: string) => void): void {
    this.closeListeners.push(listener);
  }

  close(): void {
    this.stream.end();
    this.stream.destroy();
  }

  private onData(chunk: Buffer): void {
    for (const ev of this.reader.push(chunk)) {
      if (ev.kind === 'frame') this.onFrame(ev.frame);
      else if (ev.kind === 'too-long') this.stream.destroy(new Error('server sent an oversized frame'));
    }
  }

  private onFrame(f: ChatFrame): void {
    if (f.t === 'hello') {
      this.helloResolve();
      return;
    }
    const id = typeof f.id === 'number' ? f.id : undefined;
    const entry = id === undefined ? undefined : this.pending.get(id);
    const data = (typeof f.data === 'object' && f.data !== null ? f.data : {}) as Record<string, unknown>;
    if (!entry) return; // unsolicited error (bad frame report) or stray reply: nothing waits for it
    if (f.t === 'ok' || f.t === 'pong') {
      const lines = Array.isArray(f.lines) ? f.lines.map(String) : [];
      entry.lines.push(...lines);
      if (f.more === true) return;
      this.pending.delete(id!);
      entry.resolve({ ok: true, lines: entry.lines, data });
    } else if (f.t === 'err') {
      this.pending.delete(id!);
      entry.resolve({ ok: false, code: String(f.code ?? 'error'), text: String(f.text ?? 'error'), data });
    }
  }

  private onClose(reason: string): void {
    if (this.closedFlag) return;
    this.closedFlag = true;
    for (const p of this.pending.values()) p.reject(new Error(reason));
    this.pending.clear();
    for (const l of this.closeListeners) l(reason);
  }
}
