import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ChatClient } from './chat-client.js';
import { HistoryStore } from './history-store.js';
import { nodeTransport } from './node-transport.js';
import { startServer, type RunningServer } from './start-server.js';

const IDS = Array.from({ length: 10 }, (_, i) => `C${i}`);
const SUBSCRIBERS = new Map(IDS.map((id) => [id, `key-${id}-s3cret`]));

function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  return new Promise((resolve, reject) => {
    const poll = (): void => {
      if (cond()) return resolve();
      if (Date.now() > end) return reject(new Error('timed out waiting'));
      setTimeout(poll, 5);
    };
    poll();
  });
}

let running: RunningServer | null = null;
const dirs: string[] = [];
afterEach(async () => {
  await running?.close();
  running = null;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('crchat over real loopback sockets', () => {
  it('five pairs chat at the same time; history survives a server restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'crchat-loop-'));
    dirs.push(dir);
    const historyFile = join(dir, 'history.jsonl');
    running = await startServer({ udpPort: 0, tcpPort: 0, subscribers: SUBSCRIBERS, history: HistoryStore.open(historyFile), idleTimeoutMs: 60_000 });
    const out = new Map<string, string[]>();
    const clients = IDS.map((id) => {
      const lines: string[] = [];
      out.set(id, lines);
      return new ChatClient({ id, key: SUBSCRIBERS.get(id)!, transport: nodeTransport('127.0.0.1', running!.udpPort), print: (l) => lines.push(l), retryMs: 300 });
    });

    await Promise.all(clients.map((c) => c.input('Log on')));
    expect([...out.values()].every((l) => l[0] === 'Connected')).toBe(true);

    const pairs = [0, 1, 2, 3, 4].map((i) => [clients[2 * i]!, clients[2 * i + 1]!, IDS[2 * i]!, IDS[2 * i + 1]!] as const);
    await Promise.all(pairs.map(([a, , , bId]) => a.input(`Chat ${bId}`)));
    await until(() => pairs.every(([, b]) => b.state === 'chatting'));

    const ROUNDS = 5;
    await Promise.all(
      pairs.flatMap(([a, b, aId, bId]) => [
        (async () => {
          for (let r = 0; r < ROUNDS; r++) await a.input(`from ${aId} #${r}, "quoted" — ü`);
        })(),
        (async () => {
          for (let r = 0; r < ROUNDS; r++) await b.input(`from ${bId} #${r}`);
        })(),
      ]),
    );
    await until(() => pairs.every(([, , aId, bId]) => out.get(aId)!.length >= 2 + ROUNDS && out.get(bId)!.length >= 1 + ROUNDS + 1));
    for (const [, , aId, bId] of pairs) {
      expect(out.get(bId)!.filter((l) => l.startsWith('<'))).toEqual(Array.from({ length: ROUNDS }, (_, r) => `<${aId}> from ${aId} #${r}, "quoted" — ü`));
      expect(out.get(aId)!.filter((l) => l.startsWith('<'))).toEqual(Array.from({ length: ROUNDS }, (_, r) => `<${bId}> from ${bId} #${r}`));
    }
    const sessions = new Set(pairs.map(([a]) => a.session));
    expect(sessions.size).toBe(5);

    await Promise.all(pairs.map(([a]) => a.input('End chat')));
    await until(() => pairs.every(([, b]) => b.state === 'connected'));
    await Promise.all(clients.map((c) => c.input('Log off')));
    await until(() => running!.core.connectedIds().length === 0);

    // Restart on the same history file: C0 still sees its conversation with C1.
    await running.close();
    running = await startServer({ udpPort: 0, tcpPort: 0, subscribers: SUBSCRIBERS, history: HistoryStore.open(historyFile), idleTimeoutMs: 60_000 });
    const lines: string[] = [];
    const c0 = new ChatClient({ id: 'C0', key: SUBSCRIBERS.get('C0')!, transport: nodeTransport('127.0.0.1', running.udpPort), print: (l) => lines.push(l) });
    await c0.input('Log on');
    await c0.input('History C1');
    expect(lines[0]).toBe('Connected');
    expect(lines.slice(1, -1)).toHaveLength(2 * ROUNDS);
    expect(lines[1]).toMatch(/^\d+ C0 from C0 #0, "quoted" — ü$/);
    expect(lines.at(-1)).toBe(`End of history with C1 (${2 * ROUNDS} messages)`);
    await c0.input('Log off');
  });

  it('stays up through garbage datagrams and a half-open TCP junk connection', async () => {
    running = await startServer({ udpPort: 0, tcpPort: 0, subscribers: SUBSCRIBERS, history: HistoryStore.memory(), idleTimeoutMs: 60_000 });
    const udp = createSocket('udp4');
    await new Promise<void>((r) => udp.send(Buffer.alloc(1500, 0xff), running!.udpPort, '127.0.0.1', () => r()));
    await new Promise<void>((r) => udp.send(Buffer.from('HELLO'), running!.udpPort, '127.0.0.1', () => r()));
    udp.close();
    const junk = connect({ host: '127.0.0.1', port: running.tcpPort });
    await new Promise<void>((r) => junk.once('connect', () => r()));
    junk.write(Buffer.from([0xff, 0xff, 0xff, 0xff, 1, 2, 3]));
    await new Promise<void>((r) => junk.once('close', () => r()));
    const lines: string[] = [];
    const c = new ChatClient({ id: 'C0', key: SUBSCRIBERS.get('C0')!, transport: nodeTransport('127.0.0.1', running.udpPort), print: (l) => lines.push(l) });
    await c.input('Log on');
    expect(lines).toEqual(['Connected']);
    await c.input('Log off');
  });

  it('lets a real client log on 24 times in a row while HELLOs for its ID flood in from other sockets', async () => {
    running = await startServer({ udpPort: 0, tcpPort: 0, subscribers: SUBSCRIBERS, history: HistoryStore.memory(), idleTimeoutMs: 60_000 });
    const port = running.udpPort;
    // 32 flooding sockets on another loopback address and one beside the victim on 127.0.0.1.
    const flooders = await Promise.all(
      [...Array.from({ length: 32 }, () => '127.0.0.2'), '127.0.0.1'].map(
        (address) =>
          new Promise<ReturnType<typeof createSocket>>((resolve) => {
            const u = createSocket('udp4');
            u.on('error', () => undefined);
            u.on('message', () => undefined);
            u.bind(0, address, () => resolve(u));
          }),
      ),
    );
    const hello = Buffer.from('HELLO C0');
    let flooding = true;
    let sent = 0;
    const flood = (): void => {
      if (!flooding) return;
      for (const u of flooders) {
        u.send(hello, port, '127.0.0.1');
        sent++;
      }
      setTimeout(flood, 1);
    };
    flood();
    const lines: string[] = [];
    try {
      for (let attempt = 0; attempt < 24; attempt++) {
        const c = new ChatClient({ id: 'C0', key: SUBSCRIBERS.get('C0')!, transport: nodeTransport('127.0.0.1', port), print: (l) => lines.push(l), retryMs: 300 });
        await c.input('Log on');
        await c.input('Log off');
        await c.shutdown();
      }
    } finally {
      flooding = false;
      for (const u of flooders) u.close();
    }
    expect(sent).toBeGreaterThan(1000);
    expect(lines.filter((l) => l === 'Connected')).toHaveLength(24);
    expect(lines.filter((l) => l.startsWith('Authentication failed'))).toEqual([]);
  });
});
