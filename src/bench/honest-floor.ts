import { PassThrough, Writable, type Duplex } from 'node:stream';
import type Docker from 'dockerode';
import { hostAddress, parseSubnet } from '../topology/address-plan.js';
import { renderNode, type LabPlan, type NodePlan } from '../topology/lab-plan.js';
import { toPattern } from '../topology/pattern.js';
import { parseSize } from '../topology/size.js';
import { filesTar, WORKDIR } from '../runtime/docker/docker-node.js';
import { removeByLabel } from '../runtime/docker/docker-labels.js';

/** What the floor measured: until every node was up (ready or printed), and until all was gone. */
export interface FloorTimes {
  upMs: number;
  totalMs: number;
  phases: Record<string, number>;
}

/**
 * The engine's floor for a lab, done straight through dockerode with nothing of the lab
 * controller: the same internal network with the same fixed addresses, each node's
 * container with the same image, command, environment, limits and init, its files
 * uploaded, attached before start and waited on; the server started first and waited
 * for until its ready output, then every client at once (each waited for until its own
 * ready output, if it has one); then each node's working folder read back (the
 * collection), and everything removed.
 *
 * Why: a floor that skips the upload, the attach, the readiness order or the collection
 * flatters the lab; this one leaves out only what the lab adds itself (CLI start-up,
 * topology checks, run folder, transcripts, firewall rules, the reaper, results).
 */
export async function honestFloor(docker: Docker, plan: LabPlan, image: string, subnetCidr: string): Promise<FloorTimes> {
  const run = `floor-${process.pid}-${Date.now().toString(36)}`;
  const labels = { 'netlab.lab': 'bench-floor', 'netlab.run': run };
  const subnet = parseSubnet(subnetCidr);
  const addressOf = (n: NodePlan): string => hostAddress(subnet, n.host);
  const phases: Record<string, number> = {};
  const t0 = performance.now();
  let upMs: number;
  try {
    const net = await docker.createNetwork({
      Name: `netlab-bench-floor-${run}`,
      Driver: 'bridge',
      Internal: true,
      Labels: labels,
      IPAM: { Driver: 'default', Config: [{ Subnet: subnet.cidr, Gateway: hostAddress(subnet, 1) }] },
    } as Docker.NetworkCreateOptions);
    phases.network = performance.now() - t0;
    const t1 = performance.now();
    const containers = await Promise.all(
      plan.nodes.map(async (n) => {
        const { command, env } = renderNode(plan, n, addressOf);
        const c = await docker.createContainer({
          Hostname: n.name,
          Image: image,
          Cmd: command,
          Env: Object.entries({ NETLAB_NODE_NAME: n.name, NETLAB_NODE_ADDRESS: addressOf(n), PYTHONUNBUFFERED: '1', ...env }).map(([k, v]) => `${k}=${v}`),
          WorkingDir: WORKDIR,
          Labels: labels,
          OpenStdin: true,
          StdinOnce: false,
          AttachStdin: true,
          AttachStdout: true,
          AttachStderr: true,
          Tty: false,
          HostConfig: {
            NetworkMode: net.id,
            Init: true,
            LogConfig: { Type: 'json-file', Config: { 'max-size': '8m', 'max-file': '1' } },
            Memory: n.limits.memory ? parseSize(n.limits.memory) : undefined,
            NanoCpus: n.limits.cpus ? Math.round(n.limits.cpus * 1e9) : undefined,
            PidsLimit: n.limits.pids,
          },
          NetworkingConfig: { EndpointsConfig: { [net.id]: { IPAMConfig: { IPv4Address: addressOf(n) } } } },
        });
        await c.putArchive(await filesTar(n.files), { path: '/' });
        return { n, c };
      }),
    );
    phases.create = performance.now() - t1;
    const t2 = performance.now();
    const start = async ({ n, c }: { n: NodePlan; c: Docker.Container }): Promise<void> => {
      const stream = (await c.attach({ stream: true, stdin: true, stdout: true, stderr: true, hijack: true })) as unknown as Duplex;
      let text = '';
      const pattern = n.ready?.output ? toPattern(n.ready.output) : undefined;
      const re = pattern ? new RegExp(pattern.source, pattern.flags) : undefined;
      let timer: NodeJS.Timeout | undefined;
      const up = new Promise<void>((ok, fail) => {
        const sink = new Writable({
          write: (chunk: Buffer, _e, done) => {
            text += chunk.toString('utf8');
            if (re?.test(text)) ok();
            done();
          },
        });
        docker.modem.demuxStream(stream, sink, sink);
        timer = setTimeout(() => fail(new Error(`floor: ${n.name} printed no /${pattern?.source}/ within 60 s: ${text.slice(-300)}`)), 60_000);
      });
      void c.wait({ condition: 'next-exit' } as object).catch(() => undefined);
      await c.start();
      // As the lab: a node with a ready output is waited for; one without is up once started.
      if (re) await up.finally(() => clearTimeout(timer));
      else clearTimeout(timer);
    };
    const byRole = (server: boolean) => containers.filter((x) => x.n.autostart && (x.n.role === 'server') === server);
    await Promise.all(byRole(true).map(start));
    await Promise.all(byRole(false).map(start));
    upMs = performance.now() - t0;
    phases.start = performance.now() - t2;
    const t3 = performance.now();
    await Promise.all(
      containers.map(async ({ c }) => {
        const raw = (await c.getArchive({ path: WORKDIR })) as unknown as NodeJS.ReadableStream;
        await new Promise<void>((ok, fail) => raw.pipe(new PassThrough()).on('data', () => undefined).on('end', ok).on('error', fail));
      }),
    );
    phases.collect = performance.now() - t3;
  } finally {
    const t4 = performance.now();
    await removeByLabel(docker, `netlab.run=${run}`);
    phases.teardown = performance.now() - t4;
  }
  return { upMs, totalMs: performance.now() - t0, phases };
}
