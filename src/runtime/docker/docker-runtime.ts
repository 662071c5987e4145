import { networkInterfaces } from 'node:os';
import type Docker from 'dockerode';
import { hostAddress, overlaps, parseSubnet, type Subnet } from '../../topology/address-plan.js';
import { autoSubnets, DEFAULT_SUBNET_POOL } from './auto-subnets.js';
import type { LabPlan } from '../../topology/lab-plan.js';
import { RuntimeError, type LabRuntimeOptions, type Runtime } from '../runtime.js';
import { ensureLabImage } from '../../images/node-image.js';
import { ensureGradingImage } from '../../images/grading-image.js';
import { clockLibraries } from '../node-clock.js';
import { LABEL_LAB, LABEL_LEASE, LABEL_OWNER, LABEL_RUN, removeByLabel } from './docker-labels.js';
import { removeWorkFolders } from './work-folder.js';
import { KEPT, leaseAlive, ownLease, ownerTag } from '../run-lease.js';
import { HostFirewall, reapFirewall } from './host-firewall.js';
import { OomEvents } from './oom-events.js';
import { DockerPreparedLab } from './docker-prepared-lab.js';
import { batchLabels, hostVisible, prebuiltImages } from './grader-task-env.js';

/** The names topology files use for the images netlab builds itself. */
const LAB_IMAGE_ALIAS = 'netlab';
const GRADING_IMAGE_ALIAS = 'grading';
/**
 * A node running Debian's PostgreSQL server (e.g. `tacw-db`). It is the grading image, which
 * has the server among its packages: one Debian image to build, not two.
 */
const DATABASE_IMAGE_ALIAS = 'database';

/**
 * Labs as containers on one internal bridge network per run, each at a fixed address.
 * Everything it creates carries the netlab.lab and netlab.run labels, and destroy()
 * removes by label, so nothing is ever matched by name.
 */
export class DockerRuntime implements Runtime {
  readonly kind = 'docker' as const;
  // What destroy needs, set as prepare goes: destroy must work after a prepare that failed part way.
  private runId?: string;
  /** The run folder and node names, for the working folders destroy removes. */
  private work?: { runDir: string; nodes: string[] };
  private readonly firewall = new HostFirewall();
  private oomEvents?: OomEvents;

  constructor(
    private readonly docker: Docker,
    private readonly projectRoot: string,
  ) {}

  async prepare(plan: LabPlan, opts: LabRuntimeOptions): Promise<DockerPreparedLab> {
    this.runId = opts.runId;
    this.work = { runDir: opts.runDir, nodes: plan.nodes.map((n) => n.name) };
    const phases: Record<string, number> = {};
    const libs = plan.nodes.some((n) => n.clock) ? clockLibraries(this.projectRoot) : undefined;
    const clockLibs = libs && { fix: hostVisible(libs.fix), faketime: hostVisible(libs.faketime) };
    await this.reap(opts);
    const t0 = performance.now();
    const built = new Map<string, string>();
    // A grader task of a Swarm job uses the images its controller built on this node.
    const prebuilt = prebuiltImages();
    const usePrebuilt = async (ref: string) => {
      if (!(await this.docker.getImage(ref).inspect().then(() => true, () => false))) {
        throw new RuntimeError(`image ${ref} is not on this node's engine: build the images on every node of the swarm first (docs/cluster.md)`);
      }
      return { tag: ref, reused: true, ms: 0 };
    };
    const own = (aliases: string[], build: () => Promise<{ tag: string; reused: boolean; ms: number }>) =>
      plan.nodes.some((n) => aliases.includes(n.image ?? LAB_IMAGE_ALIAS))
        ? (prebuilt.has(aliases[0]) ? usePrebuilt(prebuilt.get(aliases[0])!) : build()).then((img) => {
            for (const alias of aliases) built.set(alias, img.tag);
            phases.build = Math.max(phases.build ?? 0, performance.now() - t0);
            if (!img.reused) opts.log(`built image ${img.tag} in ${(img.ms / 1000).toFixed(1)}s`);
          })
        : Promise.resolve();
    const images = opts.logger.child({ component: 'images' });
    const progress = (m: string) => (quietBuild(m) ? images.debug(m) : opts.log(m));
    const imageWork = Promise.all([
      own([LAB_IMAGE_ALIAS], () => ensureLabImage(this.docker, { projectRoot: this.projectRoot, onProgress: progress, signal: opts.signal })),
      own([GRADING_IMAGE_ALIAS, DATABASE_IMAGE_ALIAS], () =>
        ensureGradingImage(this.docker, { projectRoot: this.projectRoot, onProgress: progress, signal: opts.signal, packages: plan.grading?.packages }),
      ),
    ]);
    const others = [...new Set(plan.nodes.map((n) => n.image).filter((i): i is string => !!i && ![LAB_IMAGE_ALIAS, GRADING_IMAGE_ALIAS, DATABASE_IMAGE_ALIAS].includes(i)))];
    const check = Promise.all(
      others.map((img) =>
        this.docker
          .getImage(img)
          .inspect()
          .catch(() => {
            const who = plan.nodes.filter((n) => n.image === img).map((n) => n.name);
            throw new RuntimeError(`image ${img} is not on this Docker engine (nodes: ${who.join(', ')}); build or load it first`, who[0]);
          }),
      ),
    );
    const t1 = performance.now();
    const labels = this.labels(plan, opts);
    const net = this.createNetwork(plan, opts, labels).then((n) => ((phases.network = performance.now() - t1), n));
    // Before any container starts: the engine streams only events after the subscription.
    const oom = OomEvents.open(this.docker, opts.runId).then(
      (ev) => (this.oomEvents = ev),
      (e: Error) => opts.logger.warn({ err: e }, 'no oom events: an OOM kill the engine does not flag reads as code 137'),
    );
    // Every part settles before prepare answers: a missing image must not leave the network
    // being created after destroy() has already run.
    const settled = await Promise.allSettled([imageWork, check, net, oom]);
    const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    const network = await net;
    return new DockerPreparedLab(this.docker, {
      plan,
      opts,
      projectRoot: this.projectRoot,
      network: network.name,
      subnet: network.subnet,
      labels,
      imageOf: (n) => {
        const alias = n.image ?? LAB_IMAGE_ALIAS;
        return built.get(alias) ?? alias;
      },
      clockLibs,
      oomEvents: this.oomEvents,
      phases,
    });
  }

  /** Labels of everything this run creates: lab, run, lease and owner. */
  private labels(plan: LabPlan, opts: LabRuntimeOptions): Record<string, string> {
    return { [LABEL_LAB]: plan.name, [LABEL_RUN]: opts.runId, [LABEL_LEASE]: opts.keep ? KEPT : ownLease(), [LABEL_OWNER]: ownerTag(this.projectRoot), ...batchLabels() };
  }

  /** Remove containers and networks of runs whose controller died (SIGKILL, a crash): the next lab up cleans up. */
  private async reap(opts: LabRuntimeOptions): Promise<void> {
    const filters = JSON.stringify({ label: [LABEL_LEASE] });
    const [containers, networks] = await Promise.all([this.docker.listContainers({ all: true, filters }), this.docker.listNetworks({ filters })]);
    const dead = new Set<string>();
    for (const x of [...containers.map((c) => c.Labels), ...networks.map((n) => n.Labels ?? {})]) {
      const lease = x[LABEL_LEASE];
      if (lease && x[LABEL_RUN] && x[LABEL_RUN] !== opts.runId && !leaseAlive(lease)) dead.add(x[LABEL_RUN]);
    }
    for (const run of dead) {
      const r = await removeByLabel(this.docker, `${LABEL_RUN}=${run}`).catch(() => ({ containers: 0, networks: 0 }));
      opts.log(`reaped run ${run} (its controller is gone): ${r.containers} containers, ${r.networks} networks`);
    }
    const rules = await reapFirewall();
    if (rules) opts.log(`reaped ${rules} host firewall rules of runs whose controller is gone`);
  }

  /** The run's internal bridge network, on the first free subnet of the pool (or the plan's own). */
  private async createNetwork(plan: LabPlan, opts: LabRuntimeOptions, labels: Record<string, string>): Promise<{ name: string; subnet: Subnet }> {
    const name = `netlab-${plan.name}-${opts.runId}`;
    let candidates: Subnet[];
    try {
      candidates = plan.subnet ? [plan.subnet] : autoSubnets(plan.name);
    } catch (e) {
      throw new RuntimeError((e as Error).message);
    }
    const inUse = await this.usedSubnets();
    for (const subnet of candidates) {
      const clash = inUse.find((u) => overlaps(u.subnet, subnet));
      if (clash) {
        if (plan.subnet) throw new RuntimeError(`subnet ${subnet.cidr} is already in use (${clash.by}); choose another network.subnet`);
        continue;
      }
      try {
        const created = await this.docker.createNetwork({
          Name: name,
          Driver: 'bridge',
          Internal: true, // no route out: lab traffic stays on the lab's own network
          CheckDuplicate: true,
          Labels: labels,
          IPAM: { Driver: 'default', Config: [{ Subnet: subnet.cidr, Gateway: hostAddress(subnet, 1) }] },
        } as Docker.NetworkCreateOptions);
        // Docker names a bridge network's host interface br-<first 12 hex of its id>.
        const warning = await this.firewall.install(`br-${created.id.slice(0, 12)}`, subnet.cidr, opts.runId, opts.keep ? KEPT : ownLease());
        if (warning) opts.log(warning);
        return { name, subnet };
      } catch (e) {
        const msg = (e as Error).message;
        // Another lab took this subnet between our look and our create: try the next one.
        if (!plan.subnet && /overlap/i.test(msg)) continue;
        throw new RuntimeError(`cannot create network ${name} on ${subnet.cidr}: ${msg}`);
      }
    }
    throw new RuntimeError(`no free /24 subnet left in ${process.env.NETLAB_SUBNET_POOL?.trim() || DEFAULT_SUBNET_POOL} for this lab; set network.subnet (or NETLAB_SUBNET_POOL)`);
  }

  private async usedSubnets(): Promise<{ subnet: Subnet; by: string }[]> {
    const out: { subnet: Subnet; by: string }[] = [];
    for (const n of await this.docker.listNetworks()) {
      for (const c of n.IPAM?.Config ?? []) {
        if (c.Subnet && /^\d+\.\d+\.\d+\.\d+\/\d+$/.test(c.Subnet)) {
          try {
            out.push({ subnet: parseSubnet(c.Subnet), by: `docker network ${n.Name}` });
          } catch {
            /* /30 and the like: too small to matter to us, and parseSubnet refuses them */
          }
        }
      }
    }
    for (const [ifname, addrs] of Object.entries(networkInterfaces())) {
      for (const a of addrs ?? []) {
        if (a.family !== 'IPv4' || a.internal || !a.cidr) continue;
        const [ip, p] = a.cidr.split('/');
        const prefix = Math.max(8, Math.min(29, Number(p)));
        out.push({ subnet: parseSubnet(`${ip}/${prefix}`), by: `host interface ${ifname}` });
      }
    }
    return out;
  }

  async destroy(): Promise<void> {
    if (this.runId === undefined) return;
    this.oomEvents?.close();
    this.oomEvents = undefined;
    try {
      await removeByLabel(this.docker, `${LABEL_RUN}=${this.runId}`);
      if (this.work) removeWorkFolders(this.work.runDir, this.work.nodes);
    } finally {
      await this.firewall.remove();
    }
  }
}

/** The builder's step-by-step chatter is for the controller log, not the terminal. */
function quietBuild(m: string): boolean {
  return /^(Step \d+\/\d+|\s*--->|Removing intermediate|Successfully (built|tagged))/.test(m.trim()) || /^ ---> /.test(m);
}
