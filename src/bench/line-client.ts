import { connect, type Socket } from 'node:net';

/**
 * A bench's stand-in for one client of a line-framed server: a raw socket, replies split
 * at newlines and handed over as strings, nothing parsed unless the caller asks.
 *
 * Why: the load benches compare a server with a bare TCP echo driven by an equally bare
 * client, in the same event loop; a heavier driver would be measured as the server's cost.
 */
export class LineClient {
  private buffered = '';
  private readonly lines: string[] = [];
  private waiting: (() => void) | undefined;
  private failure: Error | undefined;
  /** Milliseconds from connect() to the 'connect' event. */
  connectMs = 0;

  private constructor(readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on('data', (d: Buffer) => {
      this.buffered += d.toString('utf8');
      for (let nl = this.buffered.indexOf('\n'); nl !== -1; nl = this.buffered.indexOf('\n')) {
        this.lines.push(this.buffered.slice(0, nl));
        this.buffered = this.buffered.slice(nl + 1);
      }
      this.wake();
    });
    socket.on('error', (e) => this.fail(e));
    socket.on('close', () => this.fail(new Error('connection closed by the server')));
  }

  /** Connect to 127.0.0.1:port; resolves once connected. */
  static async open(port: number): Promise<LineClient> {
    const t0 = performance.now();
    const c = new LineClient(connect({ host: '127.0.0.1', port }));
    await new Promise<void>((resolve, reject) => {
      c.socket.once('connect', () => resolve());
      c.socket.once('error', reject);
    });
    c.connectMs = performance.now() - t0;
    return c;
  }

  /** The next line from the server. */
  next(): Promise<string> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (this.lines.length > 0) return resolve(this.lines.shift()!);
        if (this.failure) return reject(this.failure);
        this.waiting = check;
      };
      check();
    });
  }

  /** Send one line (newline added). */
  send(line: string): void {
    this.socket.write(`${line}\n`);
  }

  /** Send `line` and wait for the next line back; `ms` receives the round-trip time. */
  async ask(line: string, ms?: number[]): Promise<string> {
    const t = performance.now();
    this.send(line);
    const reply = await this.next();
    ms?.push(performance.now() - t);
    return reply;
  }

  /** Close at once; later reads fail. */
  close(): void {
    this.socket.removeAllListeners('close');
    this.socket.destroy();
  }

  private fail(e: Error): void {
    this.failure ??= e;
    this.wake();
  }

  private wake(): void {
    const w = this.waiting;
    this.waiting = undefined;
    w?.();
  }
}
