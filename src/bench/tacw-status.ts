/**
 * TAC-Warning figures for `npm run bench`: report ingestion (visits/s through POST
 * /v2/wreport, 250 visits per report) until the database holds 1,000,000 exposed tokens,
 * then status requests/s with 10 tokens per request from 50 concurrent keep-alive
 * clients on loopback, p50/p99 latency; for PGlite and for a real PostgreSQL side by side,
 * with the PGlite/PostgreSQL ratio.
 *
 * Why a child process for the server: on 2 cores the load generator and the server must
 * not share one event loop, or the figure measures their contention. The real PostgreSQL
 * is TACW_BENCH_DATABASE_URL / TACW_TEST_DATABASE_URL (default the .ci/run role on
 * 127.0.0.1); a scratch database is created and dropped.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { systemClock } from '../apps/common/clock.js';
import { ntpFromUnixMs } from '../apps/tacw/domain/ntp-time.js';
import { visitToken } from '../apps/tacw/domain/visit-token.js';
import { generateIssuerKeys, signReportJwt, type IssuerKeys } from '../apps/tacw/report-issuer.js';
import { percentile } from './percentile.js';

const EXPOSED_VISITS = 1000; // x 1000 salts = 1,000,000 exposed tokens
const VISITS_PER_REPORT = 250;
const TOKENS_PER_REQUEST = 10;
const CLIENTS = 50;
const WARMUP_MS = 2_000;
const MEASURE_MS = 10_000;

const serverMain = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'apps', 'tacw', 'server-main.js');

interface Server {
  port: number;
  child: ChildProcess;
}

function startServer(args: string[], cwd: string): Promise<Server> {
  const child = spawn(process.execPath, [serverMain, '--port', '0', '--host', '127.0.0.1', ...args], { cwd, stdio: ['pipe', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    const onData = (d: Buffer): void => {
      out += d.toString();
      const m = /listening on port (\d+)/.exec(out);
      if (m) {
        child.stdout!.off('data', onData);
        child.stdout!.resume();
        resolve({ port: Number(m[1]), child });
      }
    };
    child.stdout!.on('data', onData);
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.once('exit', (code) => reject(new Error(`tacw-server exited (${code}) before listening: ${err.slice(-500)}`)));
  });
}

const agent = new http.Agent({ keepAlive: true, maxSockets: CLIENTS });

function post(port: number, p: string, body: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: p, method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers } }, (res) => {
      let b = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (b += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: b }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

interface Figures {
  label: string;
  ingestVisitsPerS: number;
  statusPerS: number;
  p50: number;
  p99: number;
  atRiskShare: number;
}

async function measure(label: string, server: Server, keys: IssuerKeys): Promise<Figures> {
  const now = ntpFromUnixMs(Date.now());
  const venues = Array.from({ length: EXPOSED_VISITS }, () => ({ uuid: randomUUID(), time: now - Math.floor(Math.random() * 10 * 86400) }));
  // Ingestion: reports of 250 visits, one after another (as reports arrive, rarely at once).
  const t0 = performance.now();
  for (let i = 0; i < venues.length; i += VISITS_PER_REPORT) {
    const visits = venues.slice(i, i + VISITS_PER_REPORT).map((v) => ({ timestamp: String(v.time), qrCode: { type: 'STATIC', venueType: 'N', venueCategory: 1, venueCapacity: 60, uuid: v.uuid } }));
    const r = await post(server.port, '/api/tac-warning/v2/wreport', JSON.stringify({ visits }), { authorization: `Bearer ${await signReportJwt(keys, systemClock)}` });
    if (r.status !== 200) throw new Error(`${label}: report answered ${r.status} ${r.body}`);
  }
  const ingestMs = performance.now() - t0;
  // Status bodies: half the requests carry one token of an exposed venue at an exposed time
  // (threshold 1 in the bench's erp_config.json, so those answer at risk); every other token misses.
  const bodies = Array.from({ length: 2000 }, () =>
    JSON.stringify({
      visitTokens: Array.from({ length: TOKENS_PER_REQUEST }, (_, k) => {
        const v = venues[Math.floor(Math.random() * venues.length)]!;
        return k === 0 && Math.random() < 0.5
          ? { type: 'STATIC', payload: visitToken(1 + Math.floor(Math.random() * 1000), v.uuid), timestamp: String(v.time + 1800) }
          : { type: 'STATIC', payload: randomBytes(32).toString('hex'), timestamp: String(v.time) };
      }),
    }),
  );
  const latencies: number[] = [];
  let done = 0;
  let atRisk = 0;
  let measuring = false;
  let stop = false;
  let n = 0;
  const client = async (): Promise<void> => {
    while (!stop) {
      const body = bodies[n++ % bodies.length]!;
      const t = performance.now();
      const r = await post(server.port, '/api/tac-warning/v2/wstatus', body);
      if (r.status !== 200) throw new Error(`${label}: status answered ${r.status} ${r.body}`);
      if (measuring) {
        latencies.push(performance.now() - t);
        done++;
        if (r.body.includes('lastContactDate')) atRisk++;
      }
    }
  };
  const clients = Array.from({ length: CLIENTS }, client);
  await new Promise((r) => setTimeout(r, WARMUP_MS));
  measuring = true;
  const m0 = performance.now();
  await new Promise((r) => setTimeout(r, MEASURE_MS));
  measuring = false;
  const elapsed = performance.now() - m0;
  stop = true;
  await Promise.all(clients);
  latencies.sort((a, b) => a - b);
  return { label, ingestVisitsPerS: EXPOSED_VISITS / (ingestMs / 1000), statusPerS: done / (elapsed / 1000), p50: percentile(latencies, 50), p99: percentile(latencies, 99), atRiskShare: atRisk / Math.max(1, done) };
}

async function stopServer(s: Server | undefined): Promise<void> {
  if (!s || s.child.exitCode !== null) return;
  const gone = new Promise((r) => s.child.once('exit', r));
  s.child.kill('SIGTERM');
  await gone;
}

async function runBackend(label: string, args: string[], keys: IssuerKeys, dir: string): Promise<Figures> {
  let server: Server | undefined;
  try {
    server = await startServer(args, dir);
    return await measure(label, server, keys);
  } finally {
    await stopServer(server);
  }
}

const fmt = (f: Figures): string =>
  `${f.label.padEnd(22)} ingest ${f.ingestVisitsPerS.toFixed(0).padStart(6)} visits/s   status ${f.statusPerS.toFixed(0).padStart(6)} req/s   p50 ${f.p50.toFixed(1).padStart(6)} ms   p99 ${f.p99.toFixed(1).padStart(6)} ms   (${(f.atRiskShare * 100).toFixed(0)}% at risk)`;

export default async function bench(): Promise<{ title: string; lines: string[] }> {
  const keys = await generateIssuerKeys();
  const dir = mkdtempSync(path.join(tmpdir(), 'tacw-bench-'));
  writeFileSync(path.join(dir, 'robert-public.pem'), keys.publicPem);
  writeFileSync(path.join(dir, 'erp_config.json'), JSON.stringify([{ categorie: 0, type: 'DEFAULT', Timestamp1: 900, Timestamp2: 7200, Seuil: 1 }]));
  const common = ['--jwt-public-key', 'robert-public.pem', '--erp-config', 'erp_config.json', '--purge-every', '86400'];
  const load = (): string => loadavg().map((l) => l.toFixed(1)).join(' ');
  const lines: string[] = [`1,000,000 exposed tokens (${EXPOSED_VISITS} visits x 1000 salts), ${TOKENS_PER_REQUEST} tokens per status request, ${CLIENTS} keep-alive clients, ${MEASURE_MS / 1000}s after ${WARMUP_MS / 1000}s warm-up, server in its own process`, `load average at start: ${load()} (2 cores, shared)`];
  const results: Figures[] = [];
  try {
    results.push(await runBackend('PGlite (in the server)', [...common, '--data-dir', path.join(dir, 'pglite')], keys, dir));
    const adminUrl = process.env.TACW_BENCH_DATABASE_URL ?? process.env.TACW_TEST_DATABASE_URL ?? 'postgres://tacw:tacw@127.0.0.1:5432/tacw';
    const admin = new pg.Client({ connectionString: adminUrl });
    try {
      await admin.connect();
    } catch (e) {
      lines.push(`PostgreSQL: not measured, none answers at ${adminUrl.replace(/:[^:@/]*@/, ':***@')}: ${(e as Error).message}`);
    }
    if ((admin as unknown as { _connected?: boolean })._connected !== false) {
      const name = `tacw_bench_${randomBytes(4).toString('hex')}`;
      let created = false;
      try {
        await admin.query(`CREATE DATABASE ${name}`);
        created = true;
        const url = new URL(adminUrl);
        url.pathname = `/${name}`;
        results.push(await runBackend('PostgreSQL (Debian)', [...common, '--database-url', url.toString()], keys, dir));
      } catch (e) {
        if (!lines.some((l) => l.startsWith('PostgreSQL'))) lines.push(`PostgreSQL: failed: ${(e as Error).message}`);
      } finally {
        if (created) await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
        await admin.end().catch(() => undefined);
      }
    }
  } finally {
    agent.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
  lines.push(...results.map(fmt), `load average at end: ${load()}`);
  if (results.length === 2) {
    const [lite, real] = results as [Figures, Figures];
    lines.push(`PGlite / PostgreSQL: status ${(lite.statusPerS / real.statusPerS).toFixed(2)}x, p99 ${(lite.p99 / real.p99).toFixed(2)}x, ingestion ${(lite.ingestVisitsPerS / real.ingestVisitsPerS).toFixed(2)}x (target on PostgreSQL: 5000 req/s, p99 < 20 ms)`);
  }
  return { title: 'TAC-Warning status and report ingestion, PGlite vs PostgreSQL', lines };
}
