import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { events, QUICClient } from '@matrixai/quic';
import { ChatClient } from '../src/apps/quicchat/chat-client.js';
import { connectQuic, fetchCa, type QuicLink } from '../src/apps/quicchat/connect-quic.js';
import { encodePdu, MType } from '../src/apps/quicchat/pdu.js';
import { quietLogger, QUIC_COMMON } from '../src/apps/quicchat/quic-config.js';
import { clientCrypto } from '../src/apps/quicchat/quic-crypto.js';
import { SERVER_NAME } from '../src/apps/quicchat/pem.js';
import { ROOT } from './helpers/lab-cli.js';

// The real server process, attacked over real QUIC on loopback while one user keeps
// chatting with another: it must never exit, keep serving, and not grow without bound.
const PORT = 20_000 + Math.floor(Math.random() * 20_000);
const HOST = '127.0.0.1';
let server: ChildProcess;
let serverOut = '';
let ca = '';
const links: QuicLink[] = [];

function rssKiB(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
}

function waitOut(re: RegExp): Promise<void> {
  return new Promise((ok, fail) => {
    const check = (): void => {
      if (!re.test(serverOut)) return;
      server.stdout!.off('data', check);
      ok();
    };
    server.once('exit', (c) => fail(new Error(`server exited (${c}) before printing ${re}:\n${serverOut}`)));
    server.stdout!.on('data', check);
    check();
  });
}

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'quicchat-fuzz-'));
  server = spawn(process.execPath, [join(ROOT, 'bin', 'quicchat-server'), String(PORT), '--ca-out', join(dir, 'ca.pem')], { cwd: dir });
  server.stdout!.on('data', (d) => (serverOut += d));
  server.stderr!.on('data', (d) => (serverOut += d));
  await waitOut(/quicchat server listening/);
  ca = await fetchCa(HOST, PORT);
});

afterAll(() => {
  server?.kill('SIGTERM');
  // Not awaited: a QUIC close here waits out the library's draining (measured: 2 minutes for
  // three links after the fuzz), and the worker ends with the file anyway.
  for (const l of links) void l.close();
});

/** A logged-in terminal client, printing into an array. */
async function user(name: string, pass: string) {
  const out: string[] = [];
  const waiters: Array<[RegExp, () => void]> = [];
  const client = new ChatClient({
    aliveIntervalMs: 1000,
    print: (l) => {
      out.push(l);
      for (const w of [...waiters]) {
        if (!w[0].test(l)) continue;
        waiters.splice(waiters.indexOf(w), 1);
        w[1]();
      }
    },
    prompt: () => {},
    exit: () => {},
  });
  const link = await connectQuic({ host: HOST, port: PORT, caPem: ca, serverName: SERVER_NAME });
  links.push(link);
  client.attach(link.stream);
  const saw = (re: RegExp): Promise<void> => (out.some((l) => re.test(l)) ? Promise.resolve() : new Promise((r) => waiters.push([re, r])));
  client.input(name);
  client.input(pass);
  await saw(new RegExp(`Logged in as ${name}`));
  return { client, out, saw };
}

/** A raw QUIC connection with its one stream, for sending anything at all. */
async function raw() {
  const c = await QUICClient.createQUICClient({
    host: HOST,
    port: PORT,
    serverName: SERVER_NAME,
    localHost: '0.0.0.0',
    crypto: clientCrypto,
    config: { ...QUIC_COMMON, ca, verifyPeer: true },
    logger: quietLogger(),
  });
  c.addEventListener(events.EventQUICClientError.name, () => {});
  c.connection.addEventListener(events.EventQUICConnectionError.name, () => {});
  c.closedP.catch(() => {});
  const s = c.connection.newStream('bidi');
  s.addEventListener(events.EventQUICStreamError.name, () => {});
  s.closedP.catch(() => {});
  const w = s.writable.getWriter();
  w.closed.catch(() => {});
  // Drain what the server says so its flow control never stalls.
  void (async () => {
    try {
      for await (const _ of s.readable) void _;
    } catch {
      /* reset */
    }
  })();
  return {
    write: (b: Buffer | string) => w.write(Buffer.from(b)).catch(() => {}),
    abrupt: () => c.destroy({ isApp: true, errorCode: 99, force: true }).catch(() => {}),
    cancel: () => s.cancel(new Error('gone')),
    close: () => c.destroy({ force: true }).catch(() => {}),
  };
}

function malformed(i: number): string {
  const r = (n: number): number => Math.floor(Math.random() * n);
  switch (i % 10) {
    case 0: return Buffer.from(Array.from({ length: r(200) }, () => r(256)).filter((b) => b !== 10)).toString('latin1');
    case 1: return '{"version":1,"mtype":' + r(1000) + ',"msg":"{}"}';
    case 2: return JSON.stringify({ version: r(5), mtype: 0x30, msg: JSON.stringify({ to: 'x'.repeat(r(100)), text: null }) });
    case 3: return JSON.stringify({ version: 1, mtype: 0x31, msg: JSON.stringify({ to: Array.from({ length: 300 }, () => r(1e9)), text: 'x' }) });
    case 4: return '['.repeat(2000) + ']'.repeat(2000);
    case 5: return JSON.stringify({ version: 1, mtype: 0x10, msg: JSON.stringify({ username: { a: 1 }, password: [1] }) });
    case 6: return JSON.stringify({ version: 1, mtype: 0x00, msg: JSON.stringify({ versions: 'all' }) });
    case 7: return JSON.stringify({ version: 1, mtype: 0x32, msg: '{"text":' + '"y'.repeat(10) });
    case 8: return JSON.stringify({ version: 1, mtype: 0x40, msg: '{}', sz: -1 });
    default: return '{"version":1,"mtype":16,"msg":"' + '\\u0000'.repeat(r(500)) + '"}';
  }
}

// 10,000 malformed PDUs in all, as 5 rounds: memory after the last round is compared with the first.
const ROUNDS = 5;
let malformedSent = 0;

async function fuzzRound(round: number): Promise<void> {
  const jobs: Array<Promise<unknown>> = [];
  // 2,000 malformed PDUs over 10 connections (some after a valid VERSIONS, some before): every
  // kind of malformed() many times over; more only costs time (QUIC moves about 0.5 MiB/s here).
  for (let c = 0; c < 10; c++) {
    jobs.push(
      (async () => {
        const x = await raw();
        if (c % 2 === 0) await x.write(encodePdu(MType.VERSIONS, { versions: [1] }));
        // In batches of 50 lines per write: the framer must split them, and it is quicker.
        for (let i = 0; i < 200; i += 50) {
          await x.write(Array.from({ length: 50 }, (_, j) => malformed(i + j) + '\n').join(''));
          malformedSent += 50;
        }
        await x.close();
      })(),
    );
  }
  // Oversized frames: a line that never ends, past the 16 KiB cap.
  for (let c = 0; c < 3; c++) {
    jobs.push(
      raw().then(async (x) => {
        await x.write(Buffer.alloc(40_000, 0x61));
        await x.close();
      }),
    );
  }
  // Half-open: half a PDU, then silence (left open until the end of the round).
  const halfOpen = await Promise.all(Array.from({ length: 10 }, () => raw().then(async (x) => (await x.write('{"version":1,"mtype":'), x))));
  // Abrupt closes mid-write, and streams reset by the peer.
  for (let c = 0; c < 20; c++) {
    jobs.push(raw().then(async (x) => {
      void x.write(encodePdu(MType.VERSIONS, { versions: [1] }));
      void x.write(Buffer.alloc(8000, 0x62));
      if (c % 2) x.cancel();
      await x.abrupt();
    }));
  }
  // Garbage datagrams at the QUIC port.
  const udp = createSocket('udp4');
  for (let i = 0; i < 2000; i++) udp.send(Buffer.alloc(1 + (i % 1400), i % 256), PORT, HOST);
  await new Promise((r) => setTimeout(r, 0));
  await Promise.all(jobs);
  await Promise.all(halfOpen.map((x) => x.abrupt()));
  udp.close();
  expect(server.exitCode, `round ${round}: server output:\n${serverOut.slice(-2000)}`).toBeNull();
}

it('survives 10,000 malformed PDUs (5 rounds of 2,000), oversized frames, half-open and abrupt closes; a user keeps chatting; memory stays bounded', async () => {
  const alice = await user('alice', 'p1');
  const bob = await user('bob', 'p2');
  let sent = 0;
  let stop = false;
  const chatting = (async () => {
    while (!stop) {
      alice.client.input(`2: ping ${++sent}`);
      await bob.saw(new RegExp(`\\] ping ${sent}$`));
    }
  })();
  const rss: number[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    await fuzzRound(round);
    rss.push(rssKiB(server.pid!));
  }
  stop = true;
  await chatting;
  // Every ping arrived, in order, and nothing else reached bob from the attackers.
  const pings = bob.out.filter((l) => / ping \d+$/.test(l)).map((l) => Number(/ping (\d+)$/.exec(l)![1]));
  expect(pings).toEqual(Array.from({ length: sent }, (_, i) => i + 1));
  expect(sent).toBeGreaterThan(3);
  expect(bob.out.filter((l) => l.startsWith('[') && !/ping \d+$/.test(l) && !l.startsWith('[server]'))).toEqual([]);
  // Still serving newcomers.
  const cam = await user('cam', 'p3');
  cam.client.input('0: still here');
  await alice.saw(/to everyone\] still here$/);
  // Bounded: four more rounds of the same leave the server no bigger than the first did, give or take 32 MiB.
  expect(rss[ROUNDS - 1]! - rss[0]!, `RSS after each round (KiB): ${rss.join(', ')}`).toBeLessThan(32 * 1024);
  expect(malformedSent).toBe(10_000);
  expect(server.exitCode).toBeNull();
  expect(serverOut).not.toMatch(/ignored an (unhandled rejection|uncaught exception)/);
}, 600_000);
