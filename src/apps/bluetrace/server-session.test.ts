import type { Duplex } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { duplexPair } from '../common/duplex-pair.js';
import { LineDecoder } from '../common/line-decoder.js';
import { ManualClock } from '../common/manual-clock.js';
import { BlueTraceServer } from './bluetrace-server.js';
import { MAX_FRAME_BYTES, encodeFrame, type ClientMessage, type ServerMessage } from './protocol.js';
import { makeTestDir } from './test-dir.js';

const CREDS = '+61410888888 comp3331\n+61410999999 pass2\n+61410777777 pw3\n';

/** A raw protocol peer over an in-memory stream: send bytes, await replies. */
class RawPeer {
  private readonly decoder = new LineDecoder(MAX_FRAME_BYTES * 2);
  private readonly frames: ServerMessage[] = [];
  private waiters: Array<() => void> = [];
  closed = false;
  constructor(readonly end: Duplex) {
    end.on('data', (c: Buffer) => {
      for (const l of this.decoder.push(c)) this.frames.push(JSON.parse(l) as ServerMessage);
      this.wake();
    });
    end.on('end', () => {
      this.closed = true;
      end.end(); // as a TCP peer would: close our side too
      this.wake();
    });
    end.on('close', () => {
      this.closed = true;
      this.wake();
    });
  }
  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }
  send(msg: ClientMessage): void {
    this.end.write(encodeFrame(msg));
  }
  async next(): Promise<ServerMessage> {
    while (this.frames.length === 0) {
      if (this.closed) throw new Error('closed');
      await new Promise<void>((r) => this.waiters.push(r));
    }
    return this.frames.shift()!;
  }
  async untilClosed(): Promise<void> {
    while (!this.closed) await new Promise<void>((r) => this.waiters.push(r));
  }
  async request(msg: ClientMessage): Promise<ServerMessage> {
    this.send(msg);
    return this.next();
  }
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function setup(block = 10) {
  const t = await makeTestDir(CREDS);
  const clock = new ManualClock();
  const log: string[] = [];
  const server = await BlueTraceServer.open({ dir: t.dir, blockDurationSeconds: block, clock, log: (l) => log.push(...l.split('\n')) });
  cleanups.push(async () => {
    await server.close();
    await t.cleanup();
  });
  const connect = async (): Promise<RawPeer> => {
    const [client, serverEnd] = duplexPair();
    server.attach(serverEnd);
    const peer = new RawPeer(client);
    expect(await peer.next()).toEqual({ v: 1, type: 'hello', server: 'bluetrace' });
    return peer;
  };
  return { server, clock, log, connect, dir: t.dir };
}

const entry = (n: number) => ({ tempId: String(n).padStart(20, '0'), start: '01/01/2024 12:00:00', expiry: '01/01/2024 12:15:00' });

describe('server session', () => {
  it('logs in, hands out a TempID and logs out, printing the assignment lines', async () => {
    const { connect, log } = await setup();
    const p = await connect();
    expect(await p.request({ type: 'download_tempid' })).toMatchObject({ type: 'error', code: 'not_logged_in' });
    expect(await p.request({ type: 'login', username: '+61410888888', password: 'comp3331' })).toMatchObject({ type: 'login_ok' });
    const t = await p.request({ type: 'download_tempid' });
    expect(t).toMatchObject({ type: 'tempid', tempId: expect.stringMatching(/^\d{20}$/) });
    expect(await p.request({ type: 'logout' })).toMatchObject({ type: 'logout_ok' });
    await p.untilClosed();
    expect(log).toEqual(['+61410888888 login', 'user: +61410888888', `TempID: ${(t as { tempId: string }).tempId}`, '+61410888888 logout']);
  });

  it('reports unknown users and wrong passwords, and blocks across connections', async () => {
    const { connect, clock } = await setup(10);
    const a = await connect();
    const b = await connect();
    expect(await a.request({ type: 'login', username: '+61400000000', password: 'x' })).toMatchObject({ reason: 'unknown_user' });
    expect(await a.request({ type: 'login', username: '+61410888888', password: 'bad' })).toMatchObject({ reason: 'wrong_password' });
    expect(await b.request({ type: 'login', username: '+61410888888', password: 'bad' })).toMatchObject({ reason: 'wrong_password' });
    expect(await a.request({ type: 'login', username: '+61410888888', password: 'bad' })).toMatchObject({ reason: 'now_blocked' });
    expect(await b.request({ type: 'login', username: '+61410888888', password: 'comp3331' })).toMatchObject({ reason: 'blocked' });
    clock.advance(10_000);
    expect(await b.request({ type: 'login', username: '+61410888888', password: 'comp3331' })).toMatchObject({ type: 'login_ok' });
  });

  it('holds the lockout under parallel wrong passwords from many connections', async () => {
    const { connect } = await setup(60);
    const peers = await Promise.all(Array.from({ length: 10 }, () => connect()));
    for (const p of peers) p.send({ type: 'login', username: '+61410999999', password: 'nope' });
    const reasons = await Promise.all(peers.map(async (p) => ((await p.next()) as { reason: string }).reason));
    expect(reasons.filter((r) => r === 'wrong_password')).toHaveLength(2);
    expect(reasons.filter((r) => r === 'now_blocked')).toHaveLength(1);
    expect(reasons.filter((r) => r === 'blocked')).toHaveLength(7);
    expect(await peers[0]!.request({ type: 'login', username: '+61410999999', password: 'pass2' })).toMatchObject({ reason: 'blocked' });
  });

  it('reassembles frames however the bytes are split', async () => {
    const { connect } = await setup();
    const wire = Buffer.concat([
      encodeFrame({ type: 'login', username: '+61410888888', password: 'comp3331' }),
      encodeFrame({ type: 'download_tempid' }),
      encodeFrame({ type: 'download_tempid' }),
    ]);
    for (let cut = 1; cut < wire.length; cut += 7) {
      const p = await connect();
      p.end.write(wire.subarray(0, cut));
      await new Promise((r) => setImmediate(r));
      p.end.write(wire.subarray(cut));
      expect(await p.next()).toMatchObject({ type: 'login_ok' });
      const a = await p.next();
      const b = await p.next();
      expect(a).toMatchObject({ type: 'tempid' });
      expect(b).toEqual(a);
      p.end.destroy();
    }
  });

  it('receives an upload of many entries whole when sent byte by byte', async () => {
    const { connect, log } = await setup();
    const other = await connect();
    await other.request({ type: 'login', username: '+61410999999', password: 'pass2' });
    const t = (await other.request({ type: 'download_tempid' })) as { tempId: string; start: string };
    const p = await connect();
    await p.request({ type: 'login', username: '+61410888888', password: 'comp3331' });
    const entries = [...Array.from({ length: 300 }, (_, i) => entry(i + 1)), { tempId: t.tempId, start: t.start, expiry: t.start }];
    const wire = encodeFrame({ type: 'upload_contact_log', entries });
    for (const byte of wire) p.end.write(Buffer.from([byte]));
    expect(await p.next()).toEqual({ v: 1, type: 'upload_ok', received: 301 });
    const at = log.indexOf('received contact log from +61410888888');
    expect(at).toBeGreaterThan(-1);
    expect(log[at + 1]).toBe(`${entry(1).tempId}, ${entry(1).start}, ${entry(1).expiry};`);
    expect(log[at + 302]).toBe('Contact log checking');
    expect(log[at + 303]).toBe(`unknown, ${entry(1).start}, ${entry(1).tempId};`);
    expect(log[at + 603]).toBe(`+61410999999, ${t.start}, ${t.tempId};`);
  });

  it('answers garbage with errors, cuts off oversized frames, and keeps serving others', async () => {
    const { connect, server } = await setup();
    const good = await connect();
    await good.request({ type: 'login', username: '+61410888888', password: 'comp3331' });

    const junk = await connect();
    junk.end.write('this is not json\n');
    expect(await junk.next()).toMatchObject({ type: 'error', code: 'bad_json' });
    junk.end.write('{"v":2,"type":"login"}\n');
    expect(await junk.next()).toMatchObject({ type: 'error', code: 'unsupported_version' });
    junk.end.write('{"v":1,"type":"format_disk"}\n');
    expect(await junk.next()).toMatchObject({ type: 'error', code: 'unknown_type' });
    junk.end.write('{"v":1,"type":"login","username":5}\n');
    expect(await junk.next()).toMatchObject({ type: 'error', code: 'bad_request' });
    junk.end.write(Buffer.from([0xff, 0xfe, 0x00, 0x0a]));
    expect(await junk.next()).toMatchObject({ type: 'error', code: 'too_many_errors' });
    await junk.untilClosed();

    const big = await connect();
    big.end.write(Buffer.alloc(MAX_FRAME_BYTES + 10, 0x61));
    expect(await big.next()).toMatchObject({ type: 'error', code: 'frame_too_long' });
    await big.untilClosed();

    const rude = await connect();
    rude.send({ type: 'login', username: '+61410999999', password: 'pass2' });
    rude.end.destroy(); // abrupt close mid-request

    const half = await connect();
    half.send({ type: 'login', username: '+61410777777', password: 'pw3' });
    half.send({ type: 'download_tempid' });
    half.end.end(); // half-close: replies must still come
    expect(await half.next()).toMatchObject({ type: 'login_ok' });
    expect(await half.next()).toMatchObject({ type: 'tempid' });
    await half.untilClosed();

    expect(await good.request({ type: 'download_tempid' })).toMatchObject({ type: 'tempid' });
    expect(await good.request({ type: 'logout' })).toMatchObject({ type: 'logout_ok' });
    await good.untilClosed();
    for (let i = 0; i < 20 && server.sessionCount > 0; i++) await new Promise((r) => setImmediate(r));
    expect(server.sessionCount).toBe(0);
  });

  it('refuses a second login on the same connection', async () => {
    const { connect } = await setup();
    const p = await connect();
    await p.request({ type: 'login', username: '+61410888888', password: 'comp3331' });
    expect(await p.request({ type: 'login', username: '+61410999999', password: 'pass2' })).toMatchObject({ code: 'already_logged_in' });
  });
});
