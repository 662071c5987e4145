import { describe, expect, it } from 'vitest';
import { duplexPair } from '../common/duplex-pair.js';
import { LengthPrefixedDecoder, encodeLengthPrefixed } from '../common/length-prefixed-decoder.js';
import { ManualClock } from '../common/manual-clock.js';
import { ChatServer } from './chat-server.js';
import { encodeMessage } from './encode-message.js';
import { HistoryStore } from './history-store.js';
import { loginOverUdp } from './login-over-udp.js';
import { memoryTransport } from './memory-transport.js';
import type { Message } from './message.js';
import { parseMessage } from './parse-message.js';
import { DIR_CLIENT_TO_SERVER, DIR_SERVER_TO_CLIENT, RecordCipher } from './record-cipher.js';

const tick = () => new Promise<void>((r) => setImmediate(r));

function makeServer(idleTimeoutMs = 60_000) {
  const clock = new ManualClock();
  const logs: string[] = [];
  const server = new ChatServer({
    subscribers: new Map([
      ['A', 'keyA'],
      ['B', 'keyB'],
      ['C', 'keyC'],
    ]),
    history: HistoryStore.memory(),
    clock,
    idleTimeoutMs,
    tcpPort: () => 5000,
    log: (l) => logs.push(l),
  });
  return { server, clock, logs };
}

/** A hand-driven client: the real UDP login, then raw frames, so tests can misbehave on purpose. */
async function login(server: ChatServer, id: string, key: string) {
  const r = await loginOverUdp(memoryTransport(server).openUdp(), id, key, new ManualClock(), { retryMs: 1000, attempts: 1 });
  if (!r.ok) throw new Error(r.reason);
  return r;
}

function rawConnection(server: ChatServer, ck: Buffer) {
  const [c, s] = duplexPair();
  server.attachStream(s, 'raw');
  const cipher = new RecordCipher(ck, DIR_CLIENT_TO_SERVER, DIR_SERVER_TO_CLIENT);
  const dec = new LengthPrefixedDecoder(1 << 20);
  const inbox: Message[] = [];
  const sent: Buffer[] = [];
  let closed = false;
  c.on('data', (d: Buffer) => {
    for (const f of dec.push(d)) inbox.push(parseMessage(cipher.open(f)));
  });
  c.on('end', () => (closed = true));
  c.on('close', () => (closed = true));
  return {
    inbox,
    sent,
    get closed() {
      return closed;
    },
    raw(frame: Buffer) {
      c.write(encodeLengthPrefixed(frame));
    },
    bytes(b: Buffer) {
      c.write(b);
    },
    send(m: Message) {
      const rec = cipher.seal(encodeMessage(m));
      sent.push(rec);
      c.write(encodeLengthPrefixed(rec));
    },
    end() {
      c.end();
    },
  };
}

async function connect(server: ChatServer, id: string, key: string) {
  const r = await login(server, id, key);
  const conn = rawConnection(server, r.ck);
  conn.raw(encodeMessage({ type: 'IDENT', id }));
  conn.send({ type: 'CONNECT', cookie: r.cookie });
  await tick();
  expect(conn.inbox).toEqual([{ type: 'CONNECTED' }]);
  conn.inbox.length = 0;
  return conn;
}

async function pair(server: ChatServer) {
  const a = await connect(server, 'A', 'keyA');
  const b = await connect(server, 'B', 'keyB');
  a.send({ type: 'CHAT_REQUEST', peer: 'B' });
  await tick();
  expect(a.inbox.shift()).toEqual({ type: 'CHAT_STARTED', session: 1, peer: 'B' });
  expect(b.inbox.shift()).toEqual({ type: 'CHAT_STARTED', session: 1, peer: 'A' });
  return { a, b };
}

describe('ChatServer: connection phase', () => {
  it('refuses a wrong key at RESPONSE', async () => {
    const { server } = makeServer();
    const r = await loginOverUdp(memoryTransport(server).openUdp(), 'A', 'nope', new ManualClock(), { retryMs: 1000, attempts: 1 });
    expect(r).toEqual({ ok: false, reason: 'bad-response' });
  });

  it('refuses a replayed cookie', async () => {
    const { server } = makeServer();
    const r = await login(server, 'A', 'keyA');
    const first = rawConnection(server, r.ck);
    first.raw(encodeMessage({ type: 'IDENT', id: 'A' }));
    first.send({ type: 'CONNECT', cookie: r.cookie });
    await tick();
    expect(first.inbox).toEqual([{ type: 'CONNECTED' }]);
    const again = rawConnection(server, r.ck);
    again.raw(encodeMessage({ type: 'IDENT', id: 'A' }));
    again.send({ type: 'CONNECT', cookie: r.cookie });
    await tick();
    expect(again.inbox).toEqual([]);
    expect(again.closed).toBe(true);
    expect(server.connectedIds()).toEqual(['A']);
  });

  it('refuses a stale cookie', async () => {
    const { server, clock } = makeServer();
    const r = await login(server, 'A', 'keyA');
    clock.advance(30_000);
    const c = rawConnection(server, r.ck);
    c.raw(encodeMessage({ type: 'IDENT', id: 'A' }));
    c.send({ type: 'CONNECT', cookie: r.cookie });
    await tick();
    expect(c.closed).toBe(true);
    expect(server.connectedIds()).toEqual([]);
  });

  it("refuses another ID's cookie, under either key", async () => {
    const { server } = makeServer();
    const ra = await login(server, 'A', 'keyA');
    const rb = await login(server, 'B', 'keyB');
    // A's CK, B's cookie presented as A: decrypts, but the cookie is not A's.
    const c1 = rawConnection(server, ra.ck);
    c1.raw(encodeMessage({ type: 'IDENT', id: 'A' }));
    c1.send({ type: 'CONNECT', cookie: rb.cookie });
    await tick();
    expect(c1.inbox).toEqual([{ type: 'DISCONNECT', reason: 'bad-cookie' }]);
    expect(c1.closed).toBe(true);
    // Claiming to be B with A's key: the record does not open under CK_B.
    const c2 = rawConnection(server, ra.ck);
    c2.raw(encodeMessage({ type: 'IDENT', id: 'B' }));
    c2.send({ type: 'CONNECT', cookie: rb.cookie });
    await tick();
    expect(c2.closed).toBe(true);
    expect(server.connectedIds()).toEqual([]);
  });

  it('drops a connection whose first frame is not IDENT, or that never logged on', async () => {
    const { server } = makeServer();
    const c = rawConnection(server, Buffer.alloc(32));
    c.raw(Buffer.from('CONNECT ' + 'aa'.repeat(16)));
    await tick();
    expect(c.closed).toBe(true);
    const d = rawConnection(server, Buffer.alloc(32));
    d.raw(encodeMessage({ type: 'IDENT', id: 'C' }));
    await tick();
    expect(d.closed).toBe(true);
  });

  it('drops a connection that stalls in the handshake', async () => {
    const { server, clock } = makeServer();
    const c = rawConnection(server, Buffer.alloc(32));
    clock.advance(10_000);
    await tick();
    expect(c.closed).toBe(true);
  });
});

describe('ChatServer: chat phase', () => {
  it('relays chat both ways and records history', async () => {
    const { server } = makeServer();
    const { a, b } = await pair(server);
    a.send({ type: 'CHAT', session: 1, text: 'hi, "B" — ça va? 😀' });
    b.send({ type: 'CHAT', session: 1, text: 'fine' });
    await tick();
    expect(b.inbox).toEqual([{ type: 'CHAT', session: 1, text: 'hi, "B" — ça va? 😀' }]);
    expect(a.inbox).toEqual([{ type: 'CHAT', session: 1, text: 'fine' }]);
    a.send({ type: 'END_REQUEST', session: 1 });
    await tick();
    expect(b.inbox.pop()).toEqual({ type: 'END_NOTIF', session: 1 });
    a.inbox.length = 0;
    a.send({ type: 'HISTORY_REQ', peer: 'B' });
    await tick();
    expect(a.inbox).toEqual([
      { type: 'HISTORY_RESP', session: 1, from: 'A', text: 'hi, "B" — ça va? 😀' },
      { type: 'HISTORY_RESP', session: 1, from: 'B', text: 'fine' },
      { type: 'HISTORY_END', peer: 'B', count: 2 },
    ]);
  });

  it('answers UNREACHABLE for an offline, busy, unknown or own ID', async () => {
    const { server } = makeServer();
    await pair(server);
    const c = await connect(server, 'C', 'keyC');
    for (const peer of ['B', 'A', 'Z', 'C']) c.send({ type: 'CHAT_REQUEST', peer });
    await tick();
    expect(c.inbox.map((m) => m.type)).toEqual(['UNREACHABLE', 'UNREACHABLE', 'UNREACHABLE', 'UNREACHABLE']);
  });

  it('ignores chat for a session the sender is not in', async () => {
    const { server } = makeServer();
    const { b } = await pair(server);
    const c = await connect(server, 'C', 'keyC');
    c.send({ type: 'CHAT', session: 1, text: 'intruder' });
    await tick();
    expect(b.inbox).toEqual([]);
    expect(c.closed).toBe(false);
  });

  it('closes a connection on a replayed record; the peer gets END_NOTIF and others go on', async () => {
    const { server } = makeServer();
    const { a, b } = await pair(server);
    const c = await connect(server, 'C', 'keyC');
    a.send({ type: 'CHAT', session: 1, text: 'once' });
    a.raw(a.sent[a.sent.length - 1]!);
    await tick();
    expect(b.inbox).toEqual([
      { type: 'CHAT', session: 1, text: 'once' },
      { type: 'END_NOTIF', session: 1 },
    ]);
    expect(a.closed).toBe(true);
    c.send({ type: 'CHAT_REQUEST', peer: 'B' });
    await tick();
    expect(c.inbox).toEqual([{ type: 'CHAT_STARTED', session: 2, peer: 'B' }]);
  });

  it('closes a connection on a tampered record', async () => {
    const { server } = makeServer();
    const { a, b } = await pair(server);
    const rec = Buffer.from(a.sent[0]!);
    // Forge the next record from A: take a real one, fix up the counter, flip a ciphertext bit.
    rec.writeBigUInt64BE(2n, 0);
    rec[10]! ^= 0x80;
    a.raw(rec);
    await tick();
    expect(a.closed).toBe(true);
    expect(b.inbox).toEqual([{ type: 'END_NOTIF', session: 1 }]);
  });

  it('survives oversized frames and garbage, answers ERROR to a bad message after CONNECTED', async () => {
    const { server } = makeServer();
    const a = await connect(server, 'A', 'keyA');
    const b = await connect(server, 'B', 'keyB');
    a.send({ type: 'CONNECTED' });
    await tick();
    expect(a.inbox).toEqual([{ type: 'ERROR', reason: 'unexpected-message' }]);
    const head = Buffer.alloc(4);
    head.writeUInt32BE(1 << 30);
    b.bytes(head);
    await tick();
    expect(b.closed).toBe(true);
    a.send({ type: 'HISTORY_REQ', peer: 'B' });
    await tick();
    expect(a.inbox.pop()).toEqual({ type: 'HISTORY_END', peer: 'B', count: 0 });
  });

  it('tells the peer when a client vanishes mid-chat', async () => {
    const { server } = makeServer();
    const { a, b } = await pair(server);
    a.end();
    await tick();
    expect(b.inbox).toEqual([{ type: 'END_NOTIF', session: 1 }]);
    expect(server.connectedIds()).toEqual(['B']);
  });

  it('disconnects an idle client after the activity timer and tells its peer', async () => {
    const { server, clock, logs } = makeServer(60_000);
    const { a, b } = await pair(server);
    clock.advance(40_000);
    b.send({ type: 'CHAT', session: 1, text: 'still here' });
    await tick();
    clock.advance(20_000); // A: 60 s silent; B: 20 s
    await tick();
    expect(a.inbox).toEqual([
      { type: 'CHAT', session: 1, text: 'still here' },
      { type: 'DISCONNECT', reason: 'idle-timeout' },
    ]);
    expect(a.closed).toBe(true);
    expect(b.inbox).toEqual([{ type: 'END_NOTIF', session: 1 }]);
    expect(b.closed).toBe(false);
    clock.advance(39_999);
    await tick();
    expect(b.closed).toBe(false);
    clock.advance(1);
    await tick();
    expect(b.closed).toBe(true);
    expect(logs.some((l) => l.includes('idle timeout'))).toBe(true);
    expect(clock.pending).toBe(0);
  });

  it('applies an activity timer shorter than the handshake limit', async () => {
    const { server, clock } = makeServer(2000);
    const a = await connect(server, 'A', 'keyA');
    clock.advance(1999);
    await tick();
    expect(a.closed).toBe(false);
    clock.advance(1);
    await tick();
    expect(a.inbox).toEqual([{ type: 'DISCONNECT', reason: 'idle-timeout' }]);
    expect(a.closed).toBe(true);
  });

  it('replaces an older connection of the same ID', async () => {
    const { server } = makeServer();
    const old = await connect(server, 'A', 'keyA');
    await connect(server, 'A', 'keyA');
    await tick();
    expect(old.inbox).toEqual([{ type: 'DISCONNECT', reason: 'replaced' }]);
    expect(server.connectedIds()).toEqual(['A']);
  });

  it('numbers sessions after those already in the history', async () => {
    const clock = new ManualClock();
    const history = HistoryStore.memory();
    history.append({ session: 41, from: 'A', to: 'B', text: 'old', at: 0 });
    const server = new ChatServer({ subscribers: new Map([['A', 'a'], ['B', 'b']]), history, clock, idleTimeoutMs: 0, tcpPort: () => 1 });
    const a = await connect(server, 'A', 'a');
    await connect(server, 'B', 'b');
    a.send({ type: 'CHAT_REQUEST', peer: 'B' });
    await tick();
    expect(a.inbox).toEqual([{ type: 'CHAT_STARTED', session: 42, peer: 'B' }]);
  });
});
