import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { UdpDatagramPort } from '../apps/chat/datagram-port.js';
import { Worker } from 'node:worker_threads';
import type { PeerJob } from './chat-transfer-peer.js';
import { PeerLink } from '../apps/chat/peer-link.js';
import { DEFAULT_TUNING } from '../apps/chat/transfer-tuning.js';
import { median } from './median.js';

const FILE_BYTES = 16 * 1024 * 1024;
const SENDER_IP = '127.0.0.2';
const RECEIVER_IP = '127.0.0.3';
const TIME_LIMIT_MS = 60_000;
const RUNS = 10;


function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
  });
  return Promise.race([p, limit]).finally(() => clearTimeout(timer));
}

/** Start the receiving node on its own thread; resolves with its UDP port and a handle. */
async function peer(job: PeerJob): Promise<{ port: number; done: Promise<{ received?: number; ok?: boolean; at: number }>; ask: (m: object) => void; stop: () => Promise<number> }> {
  const w = new Worker(new URL('./chat-transfer-peer.js', import.meta.url), { workerData: job });
  const port = await new Promise<number>((ok, fail) => {
    w.once('error', fail);
    w.on('message', (m: { type: string; port: number }) => m.type === 'ready' && ok(m.port));
  });
  const done = new Promise<{ received?: number; ok?: boolean; at: number }>((ok) => w.on('message', (m: { type: string }) => m.type === 'done' && ok(m as never)));
  return { port, done, ask: (m) => w.postMessage(m), stop: () => (w.postMessage({ type: 'close' }), w.terminate()) };
}

/** Milliseconds on a clock every thread shares. */
const now = () => performance.timeOrigin + performance.now();

/** Blast the same bytes, same chunk size, unacknowledged, to the other node, which counts what arrives. */
async function rawUdp(data: Buffer, chunkSize: number): Promise<{ ms: number; received: number; sendMs: number }> {
  const rx = await peer({ mode: 'raw', address: RECEIVER_IP, bytes: data.length, dir: '' });
  const tx = await UdpDatagramPort.bind(0, SENDER_IP);
  try {
    const to = { address: RECEIVER_IP, port: rx.port };
    const start = now();
    for (let off = 0; off < data.length; off += chunkSize) {
      tx.send(data.subarray(off, Math.min(off + chunkSize, data.length)), to);
      // Let the socket drain now and then, as a sender's event loop would between writes.
      if ((off / chunkSize) % 64 === 63) await new Promise<void>((r) => setImmediate(r));
    }
    const sendMs = now() - start;
    // Done when everything arrived, or nothing more can arrive (datagrams were dropped).
    const settled = new Promise<{ received?: number; at: number }>((ok) =>
      setTimeout(() => {
        rx.ask({ type: 'report' });
        void rx.done.then(ok);
      }, 500),
    );
    const r = await Promise.race([rx.done, settled]);
    return { ms: r.at - start, received: r.received ?? 0, sendMs };
  } finally {
    tx.close();
    await rx.stop();
  }
}

async function reliable(file: string, dir: string): Promise<{ ms: number; wallMs: number; retransmissions: number; ok: boolean }> {
  const rx = await peer({ mode: 'reliable', address: RECEIVER_IP, bytes: 0, dir });
  const txPort = await UdpDatagramPort.bind(0, SENDER_IP);
  const tx = new PeerLink(txPort, { dir: os.tmpdir() });
  tx.self = 'jess';
  try {
    const start = now();
    const r = await tx.sendFile({ address: RECEIVER_IP, port: rx.port }, file);
    const got = await rx.done;
    const wallMs = now() - start;
    return { ms: r.ok ? r.ms : wallMs, wallMs, retransmissions: r.retransmissions, ok: r.ok && got.ok === true };
  } finally {
    tx.close();
    await rx.stop();
  }
}



/**
 * Bench: 16 MiB over the chat's reliable UDP transfer between 127.0.0.2 and 127.0.0.3,
 * beside a raw unacknowledged UDP blast of the same bytes in the same run, and the ratio.
 *
 * Why: the issue's target is at least 0.6 of the raw rate with no loss, in the median of
 * ten runs.
 *
 * Method: the transfer time runs from the sender's first OFFER to its receipt of DONE, so it
 * includes the handshake, every DATA/ACK exchange, the receiver's writes and its SHA-256
 * check, but not the sender's reading and hashing of the file beforehand (the raw blast
 * starts from bytes already in memory too). Both receivers start on a fresh thread per run.
 * Each run is a raw blast then a transfer, back to back, and gives one ratio; the figure is
 * the median of the runs' ratios (a busy moment on the shared machine hits both halves of
 * a run alike), and every run is printed.
 */
export default async function bench(): Promise<{ title: string; lines: string[] }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chat-bench-'));
  const title = 'chat: 16 MiB peer file transfer vs raw UDP, sender and receiver on their own threads (127.0.0.2 -> 127.0.0.3)';
  try {
    const data = randomBytes(FILE_BYTES);
    const file = path.join(dir, 'big.bin');
    fs.writeFileSync(file, data);
    const chunk = DEFAULT_TUNING.chunkSize;
    const rawRates: number[] = [];
    const relRates: number[] = [];
    const ratios: number[] = [];
    const arrived: number[] = [];
    let retransmissions = 0;
    let same = true;
    for (let i = 0; i < RUNS; i++) {
      const r = await withTimeout(rawUdp(data, chunk), TIME_LIMIT_MS, 'raw UDP send');
      const rawRate = r.received / 1048576 / (r.ms / 1000);
      arrived.push(r.received / FILE_BYTES);
      const t = await withTimeout(reliable(file, dir), TIME_LIMIT_MS, 'reliable transfer');
      const relRate = FILE_BYTES / 1048576 / (t.ms / 1000);
      retransmissions += t.retransmissions;
      const saved = path.join(dir, 'jess_big.bin');
      same &&= t.ok && fs.readFileSync(saved).equals(data);
      fs.rmSync(saved, { force: true });
      rawRates.push(rawRate);
      relRates.push(relRate);
      ratios.push(relRate / rawRate);
    }
    const f1 = (n: number): string => n.toFixed(1);
    return {
      title,
      lines: [
        `${RUNS} runs, each a raw blast then a transfer (MiB/s, raw/transfer/ratio): ${rawRates.map((r, i) => `${f1(r)}/${f1(relRates[i]!)}/${ratios[i]!.toFixed(2)}`).join('  ')}`,
        `raw UDP:  median ${f1(median(rawRates))} MiB/s (median ${(median(arrived) * 100).toFixed(1)}% of ${FILE_BYTES} bytes arrived, ${chunk}-byte datagrams, no acks)`,
        `transfer: median ${f1(median(relRates))} MiB/s (incl. receiver SHA-256 check; ${retransmissions} retransmission(s) in all; byte-identical in every run: ${same ? 'yes' : 'NO'})`,
        `ratio:    median ${median(ratios).toFixed(2)} of raw (min ${Math.min(...ratios).toFixed(2)}, max ${Math.max(...ratios).toFixed(2)}; target >= 0.60)`,
      ],
    };
  } catch (err) {
    return { title, lines: [`failed: ${(err as Error).message}`] };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
