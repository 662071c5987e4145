import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ReceiveResult } from './file-receiver.js';
import { MemoryDatagramNetwork } from './memory-datagram-network.js';
import { decodePeerPacket, encodePeerPacket } from './peer-packet.js';
import { PeerLink } from './peer-link.js';
import { seededRandom } from './seeded-random.js';

const dirs: string[] = [];
const links: PeerLink[] = [];
function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'chat-peer-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const l of links.splice(0)) l.close();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

const fast = { initialRtoMs: 20, minRtoMs: 10, maxRtoMs: 80, chunkSize: 1024, maxTimeouts: 30, lingerMs: 200, receiverIdleMs: 3000 };

function peer(net: MemoryDatagramNetwork, address: string, port: number, name: string) {
  const dir = tempDir();
  const received: ReceiveResult[] = [];
  const waiters: (() => void)[] = [];
  const link = new PeerLink(net.port(address, port), {
    dir,
    tuning: fast,
    events: {
      received: (r) => {
        received.push(r);
        waiters.splice(0).forEach((w) => w());
      },
    },
  });
  link.self = name;
  links.push(link);
  const nextReceived = async (count: number): Promise<ReceiveResult[]> => {
    while (received.length < count) await new Promise<void>((r) => waiters.push(r));
    return received;
  };
  return { link, dir, addr: { address, port }, received, nextReceived };
}

function file(dir: string, name: string, bytes: number): { path: string; data: Buffer } {
  const data = randomBytes(bytes);
  const p = path.join(dir, name);
  fs.writeFileSync(p, data);
  return { path: p, data };
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describe('peer packets', () => {
  it('round-trip every type and reject foreign datagrams', () => {
    const packets = [
      { type: 'offer', id: 7, size: 5000, chunkSize: 1024, chunkCount: 5, sha256: Buffer.alloc(32, 1), sender: 'jess', fileName: 'a b.bin' },
      { type: 'accept', id: 7 },
      { type: 'data', id: 7, seq: 3, payload: Buffer.from('xyz') },
      { type: 'ack', id: 7, cumulative: 2, sack: Buffer.from([0x80]) },
      { type: 'fin', id: 7 },
      { type: 'done', id: 7, status: 'digest-mismatch', sha256: Buffer.alloc(32, 2) },
      { type: 'abort', id: 7, reason: 'nope' },
      { type: 'dm', id: 9, sender: 'jess', text: 'hi ü' },
      { type: 'dm-ack', id: 9 },
    ] as const;
    for (const p of packets) expect(decodePeerPacket(encodePeerPacket(p))).toEqual(p);
    expect(decodePeerPacket(Buffer.from('hello world'))).toBeUndefined();
    const wrongVersion = encodePeerPacket({ type: 'fin', id: 1 });
    wrongVersion[1] = 99;
    expect(decodePeerPacket(wrongVersion)).toBeUndefined();
    expect(decodePeerPacket(encodePeerPacket(packets[0]).subarray(0, 30))).toBeUndefined();
  });
});

describe('reliable transfer', () => {
  it('delivers a file byte-identical on a clean network', async () => {
    const net = new MemoryDatagramNetwork();
    const a = peer(net, '10.0.0.2', 7001, 'jess');
    const b = peer(net, '10.0.0.3', 7002, 'steve');
    const f = file(a.dir, 'photo.bin', 100_000);
    const r = await a.link.sendFile(b.addr, f.path);
    expect(r.ok).toBe(true);
    const [got] = await b.nextReceived(1);
    expect(got).toMatchObject({ ok: true, sender: 'jess', savedAs: 'jess_photo.bin', bytes: 100_000 });
    expect(fs.readFileSync(path.join(b.dir, 'jess_photo.bin')).equals(f.data)).toBe(true);
    expect(fs.readdirSync(b.dir)).toEqual(['jess_photo.bin']); // no temporary file left
  });

  it('completes with 20% loss and heavy reordering in both directions', async () => {
    const net = new MemoryDatagramNetwork({ loss: 0.2, reorder: 0.3, random: seededRandom(42) });
    const a = peer(net, '10.0.0.2', 7001, 'jess');
    const b = peer(net, '10.0.0.3', 7002, 'steve');
    const f = file(a.dir, 'lossy.bin', 200_000 + 17);
    const r = await a.link.sendFile(b.addr, f.path);
    expect(r).toMatchObject({ ok: true, bytes: 200_017 });
    expect(r.retransmissions).toBeGreaterThan(0);
    expect(net.dropped).toBeGreaterThan(0);
    expect(net.reordered).toBeGreaterThan(0);
    await b.nextReceived(1);
    expect(sha(fs.readFileSync(path.join(b.dir, 'jess_lossy.bin')))).toBe(sha(f.data));
  });

  it('streams big files through positional file I/O under loss and reordering', async () => {
    const net = new MemoryDatagramNetwork({ loss: 0.1, reorder: 0.3, random: seededRandom(8) });
    const a = peer(net, '10.0.0.2', 7001, 'jess');
    const b = peer(net, '10.0.0.3', 7002, 'steve');
    a.link.tuning.memoryLimitBytes = 0;
    b.link.tuning.memoryLimitBytes = 0;
    const f = file(a.dir, 'big.bin', 150_000);
    expect((await a.link.sendFile(b.addr, f.path)).ok).toBe(true);
    await b.nextReceived(1);
    expect(fs.readFileSync(path.join(b.dir, 'jess_big.bin')).equals(f.data)).toBe(true);
  });

  it('sends empty files', async () => {
    const net = new MemoryDatagramNetwork({ loss: 0.3, random: seededRandom(3) });
    const a = peer(net, '10.0.0.2', 7001, 'jess');
    const b = peer(net, '10.0.0.3', 7002, 'steve');
    const f = file(a.dir, 'empty.txt', 0);
    expect((await a.link.sendFile(b.addr, f.path)).ok).toBe(true);
    await b.nextReceived(1);
    expect(fs.readFileSync(path.join(b.dir, 'jess_empty.txt')).length).toBe(0);
  });

  it('detects a digest mismatch when a chunk is corrupted in flight, on both sides', async () => {
    let corrupted = false;
    const net = new MemoryDatagramNetwork({
      tamper: (data) => {
        const p = decodePeerPacket(data);
        if (!corrupted && p?.type === 'data' && p.seq === 2) {
          corrupted = true;
          const bad = Buffer.from(data);
          bad[bad.length - 1] ^= 0xff;
          return bad;
        }
        return data;
      },
    });
    const a = peer(net, '10.0.0.2', 7001, 'jess');
    const b = peer(net, '10.0.0.3', 7002, 'steve');
    const f = file(a.dir, 'x.bin', 10_000);
    const r = await a.link.sendFile(b.addr, f.path);
    expect(r).toMatchObject({ ok: false, reason: 'the receiver reported a SHA-256 mismatch' });
    const [got] = await b.nextReceived(1);
    expect(got).toMatchObject({ ok: false, reason: expect.stringContaining('SHA-256 mismatch') });
    expect(fs.readdirSync(b.dir)).toEqual([]); // corrupted data is not kept
  });

  it('receives several transfers at one client at the same time', async () => {
    const net = new MemoryDatagramNetwork({ loss: 0.05, reorder: 0.1, random: seededRandom(9) });
    const a = peer(net, '10.0.0.2', 7001, 'jess');
    const c = peer(net, '10.0.0.4', 7003, 'bob');
    const b = peer(net, '10.0.0.3', 7002, 'steve');
    const fa = file(a.dir, 'same.bin', 150_000);
    const fc = file(c.dir, 'same.bin', 120_000);
    const fa2 = file(a.dir, 'other.bin', 50_000);
    const results = await Promise.all([
      a.link.sendFile(b.addr, fa.path),
      c.link.sendFile(b.addr, fc.path),
      a.link.sendFile(b.addr, fa2.path),
    ]);
    expect(results.map((r) => r.ok)).toEqual([true, true, true]);
    await b.nextReceived(3);
    expect(fs.readFileSync(path.join(b.dir, 'jess_same.bin')).equals(fa.data)).toBe(true);
    expect(fs.readFileSync(path.join(b.dir, 'bob_same.bin')).equals(fc.data)).toBe(true);
    expect(fs.readFileSync(path.join(b.dir, 'jess_other.bin')).equals(fa2.data)).toBe(true);
  });

  it('gives up with a clear reason when nobody answers', async () => {
    const net = new MemoryDatagramNetwork();
    const a = peer(net, '10.0.0.2', 7001, 'jess');
    a.link.tuning.maxTimeouts = 3;
    const f = file(a.dir, 'x.bin', 10);
    const r = await a.link.sendFile({ address: '10.0.0.9', port: 9 }, f.path);
    expect(r).toMatchObject({ ok: false, reason: 'no answer to the offer from 10.0.0.9:9' });
    expect(await a.link.sendFile({ address: '10.0.0.9', port: 9 }, path.join(a.dir, 'missing'))).toMatchObject({
      ok: false,
      reason: expect.stringContaining('does not exist'),
    });
  });

  it('refuses offers whose file name is a path', async () => {
    const net = new MemoryDatagramNetwork();
    const b = peer(net, '10.0.0.3', 7002, 'steve');
    const evil = net.port('10.0.0.66', 6666);
    const reply = new Promise<string>((resolve) => evil.onMessage((d) => resolve(decodePeerPacket(d)!.type)));
    evil.send(
      encodePeerPacket({ type: 'offer', id: 1, size: 1, chunkSize: 1024, chunkCount: 1, sha256: Buffer.alloc(32), sender: 'x', fileName: '../etc' }),
      b.addr,
    );
    expect(await reply).toBe('abort');
    expect(fs.readdirSync(b.dir)).toEqual([]);
  });

  it('acknowledges gaps selectively, drops chunks beyond the ack bitmap, and assembles out-of-order chunks', async () => {
    const net = new MemoryDatagramNetwork();
    const b = peer(net, '10.0.0.3', 7002, 'steve');
    const raw = net.port('10.0.0.66', 6666);
    const replies: ReturnType<typeof decodePeerPacket>[] = [];
    const waiters: (() => void)[] = [];
    raw.onMessage((d) => {
      replies.push(decodePeerPacket(d));
      waiters.splice(0).forEach((w) => w());
    });
    const next = async (): Promise<ReturnType<typeof decodePeerPacket>> => {
      while (replies.length === 0) await new Promise<void>((r) => waiters.push(r));
      return replies.shift();
    };
    const data = randomBytes(700 * 1024 - 5);
    const sha256 = createHash('sha256').update(data).digest();
    raw.send(encodePeerPacket({ type: 'offer', id: 5, size: data.length, chunkSize: 1024, chunkCount: 700, sha256, sender: 'x', fileName: 'f.bin' }), b.addr);
    expect(await next()).toEqual({ type: 'accept', id: 5 });
    const chunk = (seq: number): Buffer => data.subarray(seq * 1024, (seq + 1) * 1024);
    const dataTo = (seq: number): void => raw.send(encodePeerPacket({ type: 'data', id: 5, seq, payload: chunk(seq) }), b.addr);
    dataTo(600); // beyond cumulative + 512: dropped
    expect(await next()).toMatchObject({ type: 'ack', cumulative: 0, sack: Buffer.alloc(0) });
    dataTo(2);
    expect(await next()).toMatchObject({ type: 'ack', cumulative: 0, sack: Buffer.from([0x40]) });
    for (let seq = 512; seq >= 0; seq--) if (seq !== 2) dataTo(seq); // backwards: everything waits for chunk 0
    for (let seq = 513; seq < 700; seq++) dataTo(seq);
    let last = await next();
    while (last?.type === 'ack') last = await next();
    expect(last).toMatchObject({ type: 'done', status: 'ok', sha256 });
    await b.nextReceived(1);
    expect(fs.readFileSync(path.join(b.dir, 'x_f.bin')).equals(data)).toBe(true);
  });

  it('delivers a direct message exactly once despite loss', async () => {
    const net = new MemoryDatagramNetwork({ loss: 0.4, random: seededRandom(5) });
    const dms: string[] = [];
    const a = peer(net, '10.0.0.2', 7001, 'jess');
    const bLink = new PeerLink(net.port('10.0.0.3', 7002), { dir: tempDir(), events: { dm: (s, t) => dms.push(`${s}: ${t}`) } });
    links.push(bLink);
    expect(await a.link.sendDm({ address: '10.0.0.3', port: 7002 }, 'hello')).toBe(true);
    expect(dms).toEqual(['jess: hello']);
  });
});
