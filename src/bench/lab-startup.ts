/**
 * The lab controller's own cost: for an 11-node lab, time from `lab up` to every
 * node's first output and to complete tear-down, beside what the engine itself takes
 * to create, start and remove the same 11 containers in parallel through the API;
 * and the controller's peak memory for a 50-node lab (measured in a child process).
 *
 * The engine alone sets no limits, uploads no files, starts everything at once and collects
 * nothing, so its ratio is only a guide with no target of its own; the start-up target is
 * judged against the honest floor in lab-startup-honest.ts.
 */
import { benchSignal } from './bench-signal.js';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type Docker from 'dockerode';
import { loadTopology } from '../topology/load-topology.js';
import { chooseRuntime } from '../runtime/choose-runtime.js';
import { dockerClient, pingDocker } from '../runtime/docker/docker-client.js';
import { runLab } from '../lab/run-lab.js';
import { ensureLabImage } from '../images/node-image.js';
import { removeByLabel } from '../runtime/docker/docker-labels.js';
import { quietReporter } from '../lab/quiet-reporter.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const PRINT = "console.log('up '+process.env.NETLAB_NODE_NAME);process.stdin.resume()";

export function writeLab(nodes: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'netlab-bench-'));
  const file = join(dir, `bench${nodes}.yaml`);
  writeFileSync(
    file,
    `name: bench${nodes}\nserver:\n  command: [node, -e, "${PRINT}"]\n  ready: { output: "up " }\nclients:\n  count: ${nodes - 1}\n  command: [node, -e, "${PRINT}"]\n  ready: { output: "up " }\n`,
  );
  return file;
}


/** One lab up with no scenarios: returns ms to the last node's first output, and total ms. */
export async function timeLab(nodes: number, kind: 'docker' | 'local'): Promise<{ firstOutput: number; total: number; phases: Record<string, number> }> {
  const plan = loadTopology(writeLab(nodes));
  const { runtime } = await chooseRuntime(kind, root);
  const res = await runLab({ plan, runtime, projectRoot: root, runsDir: mkdtempSync(join(tmpdir(), 'netlab-bench-runs-')), signal: benchSignal, reporter: quietReporter });
  if (res.status !== 'passed') throw new Error(`bench lab ended ${res.status}: ${res.error?.message}`);
  // The lab is "up" when every node has printed; wait for that before the run finishes counting.
  const firstOutput = Math.max(...res.nodes.map((n) => n.firstOutputMs ?? Infinity));
  return { firstOutput, total: res.ms, phases: res.phases };
}

/** The engine alone (a /24 of `net24`): network, the containers created and started in parallel, first output of each, removal. */
export async function timeEngine(docker: Docker, image: string, nodes: number, net24 = '10.77.251'): Promise<{ firstOutput: number; total: number }> {
  const label = `netlab.run=bench-${process.pid}`;
  const t0 = performance.now();
  const net = await docker.createNetwork({ Name: `netlab-bench-${process.pid}`, Internal: true, Labels: { 'netlab.lab': 'bench-engine', 'netlab.run': `bench-${process.pid}` }, IPAM: { Config: [{ Subnet: `${net24}.0/24` }] } });
  let firstOutput = 0;
  await Promise.all(
    Array.from({ length: nodes }, async (_, i) => {
      const c = await docker.createContainer({
        Image: image,
        Cmd: ['node', '-e', PRINT],
        Env: [`NETLAB_NODE_NAME=n${i}`],
        OpenStdin: true,
        AttachStdout: true,
        Labels: { 'netlab.lab': 'bench-engine', 'netlab.run': `bench-${process.pid}` },
        HostConfig: { NetworkMode: net.id, Init: true },
        NetworkingConfig: { EndpointsConfig: { [net.id]: { IPAMConfig: { IPv4Address: `${net24}.${10 + i}` } } } },
      });
      const stream = await c.attach({ stream: true, stdout: true, stderr: true });
      const printed = new Promise<void>((ok) => stream.once('data', () => ok()));
      await c.start();
      await printed;
      firstOutput = Math.max(firstOutput, performance.now() - t0);
    }),
  );
  await removeByLabel(docker, label);
  return { firstOutput, total: performance.now() - t0 };
}

/** Peak RSS of a controller process running a lab of n nodes. */
function peakMemory(nodes: number, kind: string): number {
  const script = `
    import { timeLab } from ${JSON.stringify(join(root, 'dist', 'bench', 'lab-startup.js'))};
    await timeLab(${nodes}, ${JSON.stringify(kind)});
    console.log(process.resourceUsage().maxRSS);`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 300_000 });
  return Number(out.trim().split('\n').pop()) / 1024;
}

export default async function bench(): Promise<{ title: string; lines: string[] }> {
  const docker = dockerClient();
  const kind = (await pingDocker(docker)) ? 'docker' : 'local';
  const lines: string[] = [];
  if (kind === 'docker') {
    const image = await ensureLabImage(docker, { projectRoot: root });
    await timeLab(11, 'docker'); // warm-up: image and engine caches, as in a classroom's second run
    const engine = await timeEngine(docker, image.tag, 11);
    const lab = await timeLab(11, 'docker');
    lines.push(`11 nodes, docker: lab up -> every node's first output ${(lab.firstOutput / 1000).toFixed(2)}s; engine alone ${(engine.firstOutput / 1000).toFixed(2)}s; ratio ${(lab.firstOutput / engine.firstOutput).toFixed(2)}x (engine-only ratio, no target of its own: the start-up target is against the honest floor, \`npm run bench -- lab-startup-honest\`)`);
    lines.push(`11 nodes, docker: lab up -> tear-down complete ${(lab.total / 1000).toFixed(2)}s; engine create+start+remove ${(engine.total / 1000).toFixed(2)}s; ratio ${(lab.total / engine.total).toFixed(2)}x`);
    lines.push(`   lab phases: ${Object.entries(lab.phases).map(([k, v]) => `${k} ${v}ms`).join(', ')}`);
  }
  const local = await timeLab(11, 'local');
  lines.push(`11 nodes, local: every node's first output ${(local.firstOutput / 1000).toFixed(2)}s, tear-down complete ${(local.total / 1000).toFixed(2)}s`);
  const mb = peakMemory(50, kind);
  lines.push(`50 nodes, ${kind}: controller peak memory ${mb.toFixed(0)} MB (target < 200 MB)`);
  return { title: 'lab controller: start-up and tear-down against the engine, memory', lines };
}
