import { networkInterfaces } from 'node:os';
import { resolve } from 'node:path';
import type Docker from 'dockerode';
import { hostAddress, intToIp, overlaps, parseSubnet, type Subnet } from '../../topology/address-plan.js';
import { autoSubnets, DEFAULT_SUBNET_POOL } from './auto-subnets.js';
import type { LabPlan, NodePlan } from '../../topology/lab-plan.js';
import { RuntimeError, type LabRuntimeOptions, type Runtime, type RuntimeNode, type WireTarget } from '../runtime.js';
import { DockerNode, filesTar, WORKDIR, writableLayerSize } from './docker-node.js';
import { ensureLabImage } from '../../images/node-image.js';
import { ensureGradingImage, REFERENCE_APPS_DIR, SUBMISSION_PATH } from '../../images/grading-image.js';
import { parseSize } from '../../topology/size.js';
import { CLOCK_FILE, clockEnv, clockLibraries, NodeClock, withPreload } from '../node-clock.js';
import { bindShim } from '../local/bind-shim.js';
import { LABEL_ADDRESS, LABEL_HOLDS, LABEL_LAB, LABEL_LEASE, LABEL_NODE, LABEL_OWNER, LABEL_RUN, removeByLabel } from './docker-labels.js';
import { KEPT, leaseAlive, ownLease, ownerTag } from '../run-lease.js';
import { HostFirewall, reapFirewall } from './host-firewall.js';
import { nodeFiles } from '../../model/run-paths.js';
import { OomEvents } from './oom-events.js';

/** Where a node with a movable clock finds libfaketime and its offset file. */
const FAKETIME_MOUNT = '/run/netlab/libfaketime.so.1';
const CLOCK_FIX_MOUNT = '/run/netlab/clock-fix.so';
const CLOCK_MOUNT = '/run/netlab/clock';
const SHIM_MOUNT = '/run/netlab/bind-shim.so';

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
  readonly phases: Record<string, number> = {};
  private opts?: LabRuntimeOptions;
  private plan?: LabPlan;
  private network?: string;
  private networkId?: string;
  private subnet?: Subnet;
  private images = new Map<string, string>();
  private clockLibs?: { fix: string; faketime: string };
  private readonly firewall = new HostFirewall();
  private oomEvents?: OomEvents;

  constructor(
    private readonly docker: Docker,
    private readonly projectRoot: string,
  ) {}

  async prepare(plan: LabPlan, opts: LabRuntimeOptions): Promise<Map<string, string>> {
    this.opts = opts;
    this.plan = plan;
    if (plan.nodes.some((n) => n.clock)) this.clockLibs = clockLibraries(this.projectRoot);
    await this.reap(opts);
    const t0 = performance.now();
    const own = (aliases: string[], build: () => Promise<{ tag: string; reused: boolean; ms: number }>) =>
      plan.nodes.some((n) => aliases.includes(n.image ?? LAB_IMAGE_ALIAS))
        ? build().then((img) => {
            for (const alias of aliases) this.images.set(alias, img.tag);
            this.phases.build = Math.max(this.phases.build ?? 0, performance.now() - t0);
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
    const net = this.createNetwork(plan, opts).then(() => (this.phases.network = performance.now() - t1));
    // Before any container starts: the engine streams only events after the subscription.
    const oom = OomEvents.open(this.docker, opts.runId).then(
      (ev) => (this.oomEvents = ev),
      (e: Error) => opts.logger.warn({ err: e }, 'no oom events: an OOM kill the engine does not flag reads as code 137'),
    );
    await Promise.all([imageWork, check, net, oom]);
    return new Map(plan.nodes.map((n) => [n.name, hostAddress(this.subnet!, n.host)]));
  }

  /** Labels of everything this run creates: lab, run, lease and owner. */
  private labels(plan: LabPlan, opts: LabRuntimeOptions): Record<string, string> {
    return { [LABEL_LAB]: plan.name, [LABEL_RUN]: opts.runId, [LABEL_LEASE]: opts.keep ? KEPT : ownLease(), [LABEL_OWNER]: ownerTag(this.projectRoot) };
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

  private async createNetwork(plan: LabPlan, opts: LabRuntimeOptions): Promise<void> {
    const name = `netlab-${plan.name}-${opts.runId}`;
    const labels = this.labels(plan, opts);
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
        this.network = name;
        this.networkId = created.id;
        this.subnet = subnet;
        // Docker names a bridge network's host interface br-<first 12 hex of its id>.
        const warning = await this.firewall.install(`br-${created.id.slice(0, 12)}`, subnet.cidr, opts.runId, opts.keep ? KEPT : ownLease());
        if (warning) opts.log(warning);
        return;
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

  async createNode(node: NodePlan, command: string[], env: Record<string, string>): Promise<RuntimeNode> {
    const opts = this.opts!;
    const plan = this.plan!;
    const address = hostAddress(this.subnet!, node.host);
    const image = this.images.get(node.image ?? LAB_IMAGE_ALIAS) ?? node.image!;
    const sandbox = node.sandbox;
    // A movable wall clock: the host's libfaketime (after the sleep fix, clock-fix.c) and the node's clock folder, all
    // read-only (the lab writes the offset from outside; a rename shows through the bind).
    const clock = node.clock && this.clockLibs ? new NodeClock(nodeFiles.clock(opts.runDir, node.name)) : undefined;
    const clockVars: Record<string, string> = clock ? clockEnv(`${CLOCK_MOUNT}/${CLOCK_FILE}`) : {};
    // The loopback policy (a grading node: NETLAB_LOOPBACK set): the socket shim, built on
    // this machine like the local runtime's, mounted read-only and preloaded first.
    const shim = env.NETLAB_LOOPBACK ? this.loopbackShim() : undefined;
    const preload = [shim ? SHIM_MOUNT : undefined, clock ? CLOCK_FIX_MOUNT : undefined, clock ? FAKETIME_MOUNT : undefined].filter((x): x is string => !!x);
    const binds = [
      ...(shim ? [`${shim}:${SHIM_MOUNT}:ro`] : []),
      ...(clock ? [`${this.clockLibs!.fix}:${CLOCK_FIX_MOUNT}:ro`, `${this.clockLibs!.faketime}:${FAKETIME_MOUNT}:ro`, `${resolve(clock.dir)}:${CLOCK_MOUNT}:ro`] : []),
    ];
    const preloadVars: Record<string, string> = preload.length ? { LD_PRELOAD: preload.reduce((acc, lib) => withPreload(acc, lib), env.LD_PRELOAD) } : {};
    // isolation: scenario makes every node fresh at each scenario. A node's address then lives
    // in a holder container of its own (a pod's "pause" container), which the node's
    // containers join: a fresh container starts in about 0.2 s instead of 0.6 s (measured on
    // Docker 20.10), as no network endpoint is set up again, and faults, capture and the
    // address stay put across incarnations.
    const holder = plan.isolation === 'scenario' ? await this.netHolder(node, image, address) : undefined;
    const baseName = `netlab-${plan.name}-${opts.runId}-${node.name}`;
    let incarnation = 1;
    const spec = (name: string): Docker.ContainerCreateOptions => ({
      name,
      ...(holder ? {} : { Hostname: node.name }),
      Image: image,
      Cmd: command,
      // A submission's PATH has no reference apps on it (and their folder is hidden below).
      Env: Object.entries({
        NETLAB_NODE_NAME: node.name,
        NETLAB_NODE_ADDRESS: address,
        PYTHONUNBUFFERED: '1',
        ...(sandbox ? { PATH: SUBMISSION_PATH } : {}),
        ...env,
        ...clockVars,
        ...preloadVars,
      }).map(([k, v]) => `${k}=${v}`),
      WorkingDir: WORKDIR,
      Labels: { ...this.labels(plan, opts), [LABEL_NODE]: node.name, [LABEL_ADDRESS]: address },
      OpenStdin: true,
      StdinOnce: false,
      AttachStdin: true,
      AttachStdout: true,
      AttachStderr: true,
      Tty: false,
      HostConfig: {
        NetworkMode: holder ? `container:${holder.id}` : this.network,
        Init: true, // a real PID 1 that forwards signals, so stop is prompt
        // The engine's own copy of the output is capped: the lab keeps what it needs itself.
        LogConfig: { Type: 'json-file', Config: { 'max-size': '8m', 'max-file': '1' } },
        Memory: node.limits.memory ? parseSize(node.limits.memory) : undefined,
        NanoCpus: node.limits.cpus ? Math.round(node.limits.cpus * 1e9) : undefined,
        PidsLimit: node.limits.pids,
        ...(binds.length ? { Binds: binds } : {}),
        // The grading sandbox: a submission gets no capabilities, cannot gain privileges,
        // runs as an unprivileged user, and cannot write a file past the cap.
        ...(sandbox
          ? {
              // The reference implementations are not the submission's to run or read.
              Tmpfs: { [REFERENCE_APPS_DIR]: 'ro,size=4k,mode=0555' },
              CapDrop: ['ALL'],
              SecurityOpt: ['no-new-privileges'],
              Ulimits: [
                { Name: 'fsize', Soft: sandbox.fileLimit, Hard: sandbox.fileLimit },
                { Name: 'nofile', Soft: 256, Hard: 256 },
              ],
            }
          : {}),
      },
      ...(sandbox ? { User: sandbox.user } : {}),
      ...(holder ? {} : { NetworkingConfig: { EndpointsConfig: { [this.network!]: { IPAMConfig: { IPv4Address: address } } } } }),
    });
    const files = await filesTar(node.files);
    const make = async () => {
      const container = await this.docker.createContainer(spec(incarnation === 1 ? baseName : `${baseName}-${incarnation}`));
      incarnation++;
      await container.putArchive(files, { path: '/' });
      // A disk limit counts what the node writes, not the files the lab placed.
      return { container, diskBaseline: node.limits.disk ? ((await writableLayerSize(container)) ?? 0) : 0 };
    };
    const first = await make();
    const made = new DockerNode(this.docker, first.container, node.name, address, image, clock, this.oomEvents);
    made.diskBaseline = first.diskBaseline;
    made.recreate = make;
    made.netHolder = holder;
    if (holder) {
      made.spare = make();
      made.spare.catch(() => undefined);
    }
    return made;
  }

  /**
   * The container that holds a node's address and network namespace, running nothing but a
   * sleep as an unprivileged user with no capabilities; started at once, as the node's
   * containers can only join a running one.
   */
  private async netHolder(node: NodePlan, image: string, address: string): Promise<Docker.Container> {
    const c = await this.docker.createContainer({
      name: `netlab-${this.plan!.name}-${this.opts!.runId}-${node.name}-net`,
      Hostname: node.name,
      Image: image,
      Cmd: ['sleep', 'infinity'],
      User: '65534:65534',
      Labels: { ...this.labels(this.plan!, this.opts!), [LABEL_HOLDS]: node.name, [LABEL_ADDRESS]: address },
      HostConfig: {
        NetworkMode: this.network,
        Init: true,
        CapDrop: ['ALL'],
        SecurityOpt: ['no-new-privileges'],
        Memory: 16 * 1024 * 1024,
        PidsLimit: 4,
        LogConfig: { Type: 'none', Config: {} },
      },
      NetworkingConfig: { EndpointsConfig: { [this.network!]: { IPAMConfig: { IPv4Address: address } } } },
    });
    await c.start();
    return c;
  }

  /**
   * A Linux bridge hands frames between its ports without passing them up the bridge
   * device (br-<id>), so a capture there sees only traffic to and from the host. The lab's
   * packets are taken on every interface instead, filtered by the lab's subnet, and the
   * decoder keeps each packet once: as it enters the bridge from its sender's veth (copies
   * the host sends out are "outgoing" and left out). The host's own address is left out
   * but for the capture's marker datagrams to the subnet's broadcast address.
   */
  wireTarget(): WireTarget {
    if (!this.networkId || !this.subnet) throw new RuntimeError('the lab network is not created yet');
    const gw = hostAddress(this.subnet, 1);
    return {
      iface: 'any',
      // MTU 1500: 2048 keeps every frame whole. With immediate mode a ring slot is snaplen
      // long, so the default 256 KiB left 64 slots and bursts were dropped (3601 measured).
      snaplen: 2048,
      filter: `(net ${this.subnet.cidr} and not host ${gw}) or (src host ${gw} and udp dst port 9)`,
      range: this.subnet.cidr,
      marker: { from: hostAddress(this.subnet, 1), to: intToIp(this.subnet.base + this.subnet.size - 1), broadcast: true },
    };
  }

  private shimPath?: string;
  private loopbackShim(): string {
    if (this.shimPath) return this.shimPath;
    const r = bindShim(this.projectRoot);
    if (!r.path) throw new RuntimeError(`the loopback policy needs the socket shim: ${r.why}`);
    return (this.shimPath = r.path);
  }

  async destroy(): Promise<void> {
    if (!this.opts) return;
    this.oomEvents?.close();
    this.oomEvents = undefined;
    try {
      await removeByLabel(this.docker, `${LABEL_RUN}=${this.opts.runId}`);
    } finally {
      await this.firewall.remove();
    }
    this.network = undefined;
  }
}

/** The builder's step-by-step chatter is for the controller log, not the terminal. */
function quietBuild(m: string): boolean {
  return /^(Step \d+\/\d+|\s*--->|Removing intermediate|Successfully (built|tagged))/.test(m.trim()) || /^ ---> /.test(m);
}
