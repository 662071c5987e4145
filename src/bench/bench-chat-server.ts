/**
 * Worker thread for src/bench/quicchat-latency.ts: runs one chat server (quicchat over QUIC,
 * or crchat over UDP + TCP) on loopback with `clients` users, posts where it listens, and
 * stops when told. Its name starts with `bench-`, so `npm run bench` does not run it alone.
 *
 * Why a thread of its own: with the server and 100 clients on one event loop, every TLS
 * handshake and bcrypt check of one stalls all the others' packets; the server's UDP
 * socket overflowed (thousands of RcvbufErrors per run) and QUIC's retransmission backoff
 * turned the losses into 20-40 s stalls, so the figures measured the bench, not the server.
 * Here the server has its own loop, as the real program has its own process.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import bcrypt from 'bcryptjs';
import { HistoryStore } from '../apps/crchat/history-store.js';
import { startServer as startCrServer } from '../apps/crchat/start-server.js';
import { ChatServer } from '../apps/quicchat/chat-server.js';
import { makeLabCertificates } from '../apps/quicchat/lab-certificates.js';
import { startQuicServer } from '../apps/quicchat/start-quic-server.js';
import { BCRYPT_COST, UserDb } from '../apps/quicchat/user-db.js';

/** What the bench asks of the worker. */
export interface BenchServerRequest {
  kind: 'quicchat' | 'crchat';
  /** Users u0..u(n-1) (quicchat, all with password BENCH_PASSWORD) or subscribers c0..c(n-1) (crchat, key k-c<i>). */
  clients: number;
}

/** What the worker posts once it listens. */
export interface BenchServerReady {
  port: number;
  caPem?: string;
}

/** Every bench user's password: one bcrypt hash (cost BCRYPT_COST, as the server makes) shared by all, so set-up does not hash 100 times. */
export const BENCH_PASSWORD = 'bench-pw';

async function main(): Promise<void> {
  const req = workerData as BenchServerRequest;
  const port = parentPort!;
  if (req.kind === 'quicchat') {
    const hash = bcrypt.hashSync(BENCH_PASSWORD, BCRYPT_COST);
    const users = UserDb.fromPairs(Array.from({ length: req.clients }, (_, i) => [`u${i}`, hash] as const));
    const certs = await makeLabCertificates();
    const server = await startQuicServer({ core: new ChatServer({ users }), port: 0, host: '127.0.0.1', certs, caPort: null });
    port.once('message', () => void server.close().finally(() => port.close()));
    port.postMessage({ port: server.port, caPem: certs.caPem } satisfies BenchServerReady);
  } else {
    const dir = mkdtempSync(join(tmpdir(), 'quicchat-bench-crchat-'));
    const subscribers = new Map(Array.from({ length: req.clients }, (_, i) => [`c${i}`, `k-c${i}`] as const));
    const server = await startCrServer({ udpPort: 0, tcpPort: 0, subscribers, history: HistoryStore.open(join(dir, 'history.jsonl')), idleTimeoutMs: 120_000 });
    port.once('message', () =>
      void server.close().finally(() => {
        rmSync(dir, { recursive: true, force: true });
        port.close();
      }),
    );
    port.postMessage({ port: server.udpPort } satisfies BenchServerReady);
  }
}

// Imported by the bench for its types and BENCH_PASSWORD: the server runs only in the worker.
if (!isMainThread) await main();
