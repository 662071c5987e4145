/**
 * The honest start-up figure: `./lab up` as a user types it (CLI start-up included, to the
 * process's exit after tear-down) for five-pairs (its nodes, files and limits, scenarios
 * left out) and for a 100-node lab, beside two floors measured in the same run,
 * interleaved: the engine alone (network, containers created and started in parallel,
 * first output, removal) and the honest floor (honest-floor.ts: same image, commands,
 * limits, fixed addresses, files uploaded, internal network, attach, server ready before
 * the clients, collection, removal). Docker only.
 *
 * Subnets: NETLAB_BENCH_NET (the first two octets, default 10.77) picks the /16 the
 * bench's labs and floors use (.248, .249 and .250.0/24), so benches on a shared engine can keep
 * to their own range.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { loadTopology } from '../topology/load-topology.js';
import { dockerClient, pingDocker } from '../runtime/docker/docker-client.js';
import { ensureLabImage } from '../images/node-image.js';
import { honestFloor } from './honest-floor.js';
import { timeEngine } from './lab-startup.js';
import { median } from './median.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const NET = /^\d{1,3}\.\d{1,3}$/.test(process.env.NETLAB_BENCH_NET ?? '') ? process.env.NETLAB_BENCH_NET! : '10.77';
const ROUNDS = Number(process.env.NETLAB_BENCH_ROUNDS ?? 3);
/** NETLAB_BENCH_ONLY=five-pairs or =100: one of the two labs. */
const ONLY = process.env.NETLAB_BENCH_ONLY;
const PRINT = "console.log('up '+process.env.NETLAB_NODE_NAME);process.stdin.resume()";

/** five-pairs as a start-up lab: its nodes as they are, no scenarios, on the bench's subnet. */
function fivePairsFile(dir: string): string {
  const doc = YAML.parse(readFileSync(join(root, 'topologies', 'five-pairs.yaml'), 'utf8')) as Record<string, unknown>;
  delete doc.scenarios;
  doc.network = { subnet: `${NET}.248.0/24` };
  const file = join(dir, 'five-pairs.yaml');
  writeFileSync(file, YAML.stringify(doc));
  return file;
}

function manyNodesFile(dir: string, nodes: number): string {
  const file = join(dir, `bench${nodes}.yaml`);
  writeFileSync(
    file,
    `name: bench${nodes}\nnetwork: { subnet: "${NET}.248.0/24" }\nserver:\n  command: [node, -e, "${PRINT}"]\n  ready: { output: "up " }\nclients:\n  count: ${nodes - 1}\n  command: [node, -e, "${PRINT}"]\n  ready: { output: "up " }\n`,
  );
  return file;
}

/** `./lab up file` in a process of its own, spawn to exit. */
function cliUp(file: string): number {
  const runs = mkdtempSync(join(tmpdir(), 'netlab-bench-cli-'));
  const t0 = performance.now();
  const r = spawnSync(join(root, 'lab'), ['up', file, '--runtime', 'docker', '--no-capture', '--runs', runs], { encoding: 'utf8', timeout: 300_000 });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`lab up ${file} exited ${r.status ?? r.signal}: ${(r.stderr || r.stdout).slice(-800)}`);
  return ms;
}

const s = (ms: number): string => `${(ms / 1000).toFixed(2)}s`;

export default async function bench(): Promise<{ title: string; lines: string[] }> {
  const title = `lab start-up, honest: ./lab up (CLI included) against the engine floors, median of ${ROUNDS} interleaved rounds`;
  const docker = dockerClient();
  if (!(await pingDocker(docker))) return { title, lines: ['no Docker engine: skipped'] };
  const image = (await ensureLabImage(docker, { projectRoot: root })).tag;
  const dir = mkdtempSync(join(tmpdir(), 'netlab-bench-honest-'));
  const lines: string[] = [];
  for (const [name, file] of [
    ['five-pairs (11 nodes)', fivePairsFile(dir)],
    ['100 nodes', manyNodesFile(dir, 100)],
  ] as const) {
    if (ONLY && !name.includes(ONLY)) continue;
    const plan = loadTopology(file);
    cliUp(file); // warm-up: engine caches, as in a classroom's second run
    const cli: number[] = [];
    const floor: Array<Awaited<ReturnType<typeof honestFloor>>> = [];
    const engine: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      floor.push(await honestFloor(docker, plan, image, `${NET}.249.0/24`));
      engine.push((await timeEngine(docker, image, plan.nodes.length, `${NET}.250`)).total);
      cli.push(cliUp(file));
    }
    const c = median(cli);
    const f = median(floor.map((x) => x.totalMs));
    const e = median(engine);
    const phase = (k: string): string => s(median(floor.map((x) => x.phases[k] ?? 0)));
    lines.push(
      `${name}: ./lab up ${s(c)} (rounds ${cli.map(s).join(' / ')}); honest floor ${s(f)} (rounds ${floor.map((x) => s(x.totalMs)).join(' / ')}; network ${phase('network')}, create+upload ${phase('create')}, start in order ${phase('start')}, collect ${phase('collect')}, removal ${phase('teardown')}); engine alone ${s(e)} (rounds ${engine.map(s).join(' / ')})`,
      `${name}: ratio honest ${(c / f).toFixed(2)}x (per round ${cli.map((x, i) => (x / floor[i]!.totalMs).toFixed(2)).join(' / ')}), against the engine alone ${(c / e).toFixed(2)}x`,
    );
  }
  return { title, lines };
}
