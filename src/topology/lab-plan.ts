import { closeSync, constants, fstatSync, openSync, readSync, realpathSync } from 'node:fs';
import { dirname, isAbsolute, normalize, relative, resolve, sep } from 'node:path';
import { hostIndex, parseSubnet, type Subnet } from './address-plan.js';
import type { SourceMap } from './load-topology.js';
import { render, TemplateError } from './template.js';
import { toPattern, UnsafePatternError } from './pattern.js';
import { stepKindOf } from '../scenario/steps/step-registry.js';
import type { GradingSpec, LimitsSpec, NodeSpecFile, ReadySpec, ScenarioSpec, TopologyFile } from './topology-schema.js';

/** One file to place in a node's working folder before it starts. */
export interface PlannedFile {
  path: string; // relative, normalised, never escaping the folder
  content: Buffer;
  mode: number;
}

/** A node as the runtimes see it: everything resolved except addresses (a runtime's choice). */
export interface NodePlan {
  name: string;
  role: 'server' | 'client';
  /** Host number inside the lab's subnet; the runtime maps it to a real address. */
  host: number;
  image?: string;
  /** Command and env still hold templates such as {{ server.ip }}; see renderNode. */
  command: string[];
  env: Record<string, string>;
  files: PlannedFile[];
  limits: LimitsSpec;
  ports: Record<string, number>;
  ready?: ReadySpec;
  autostart: boolean;
  /** Run with the grading sandbox: no capabilities, no privilege escalation, unprivileged user, file-size cap. */
  sandbox?: { user: string; fileLimit: number };
  /**
   * Run under a clock the lab can move (libfaketime): set only when some scenario has a
   * clock: step, so other labs load nothing and pay nothing.
   */
  clock?: boolean;
  /** Stop the node once it has printed this many bytes (runaway output). */
  outputLimit?: number;
  /** Key path in the topology file, for error messages. */
  where: PropertyKey[];
}

export interface LabPlan {
  name: string;
  file: string;
  subnet?: Subnet;
  vars: Record<string, string | number | boolean>;
  nodes: NodePlan[];
  scenarios: ScenarioSpec[];
  /** scenario: every scenario starts from fresh nodes (see the topology key); shared or absent: one set of nodes for all. */
  isolation?: 'scenario' | 'shared';
  grading?: GradingSpec;
}

export interface PlanContext {
  file: string;
  map: SourceMap;
  scenarioMap: SourceMap;
  scenarioRoot: PropertyKey[];
}

const SERVER_HOST = 10;

/** Turn a validated topology into the list of nodes to create, with their host numbers. */
export function planLab(t: TopologyFile, scenarios: ScenarioSpec[], ctx: PlanContext): LabPlan {
  const subnet = t.network?.subnet ? parseSubnet(t.network.subnet) : undefined;
  const capacity = (subnet?.size ?? 256) - 2;
  const specs: { spec: NodeSpecFile; role: 'server' | 'client'; where: PropertyKey[]; name: string }[] = [];
  specs.push({ spec: t.server, role: 'server', where: ['server'], name: t.server.name ?? 'server' });
  if (Array.isArray(t.clients)) {
    t.clients.forEach((c, i) => specs.push({ spec: c, role: 'client', where: ['clients', i], name: c.name ?? `client${i + 1}` }));
  } else if (t.clients) {
    const { count, name, ...rest } = t.clients;
    for (let n = 1; n <= count; n++) {
      specs.push({ spec: rest, role: 'client', where: ['clients'], name: name.replaceAll('{n}', String(n)) });
    }
  }

  const seen = new Map<string, PropertyKey[]>();
  for (const s of specs) {
    if (!/^[a-z0-9][a-z0-9_.-]{0,62}$/.test(s.name)) throw ctx.map.error(`node name "${s.name}" is not allowed`, [...s.where, 'name']);
    if (seen.has(s.name)) throw ctx.map.error(`duplicate node name "${s.name}"`, [...s.where, 'name']);
    seen.set(s.name, s.where);
  }

  // Fixed addresses first, then the rest in order: the server at .10 when it fits.
  const taken = new Map<number, string>();
  const hosts = new Map<string, number>();
  for (const s of specs) {
    if (!s.spec.ip) continue;
    if (!subnet) throw ctx.map.error('a fixed ip needs network.subnet', [...s.where, 'ip']);
    const h = hostIndex(subnet, s.spec.ip);
    if (h === undefined) throw ctx.map.error(`${s.spec.ip} is outside ${subnet.cidr} (or is its network/broadcast address)`, [...s.where, 'ip']);
    if (h === 1) throw ctx.map.error(`${s.spec.ip} is the gateway address of ${subnet.cidr}`, [...s.where, 'ip']);
    const other = taken.get(h);
    if (other) throw ctx.map.error(`${s.spec.ip} is already the address of node "${other}"`, [...s.where, 'ip']);
    taken.set(h, s.name);
    hosts.set(s.name, h);
  }
  let next = specs.length + SERVER_HOST < capacity ? SERVER_HOST : 2;
  for (const s of specs) {
    if (hosts.has(s.name)) continue;
    while (taken.has(next)) next++;
    if (next > capacity) throw ctx.map.error(`${specs.length} nodes do not fit in ${subnet?.cidr ?? 'the subnet'}`, ['network', 'subnet']);
    taken.set(next, s.name);
    hosts.set(s.name, next++);
  }

  const base = dirname(ctx.file);
  const d = t.defaults ?? {};
  const clock = scenarios.some((s) => usesStepKind(s.steps, 'clock'));
  const nodes: NodePlan[] = specs.map((s) => {
    const spec = { ...d, ...s.spec };
    const command = spec.command;
    if (!command) throw ctx.map.error(`node "${s.name}" has no command`, [...s.where, 'command']);
    const files = { ...(d.files ?? {}), ...(s.spec.files ?? {}) };
    return {
      name: s.name,
      role: s.role,
      host: hosts.get(s.name)!,
      image: spec.image,
      command,
      env: Object.fromEntries(
        Object.entries({ ...(d.env ?? {}), ...(s.spec.env ?? {}) }).map(([k, v]) => [k, String(v)]),
      ),
      files: checkFileKeys(
        Object.entries(files).map(([path, src]) => planFile(path, src, base, ctx, [...s.where, 'files', path])),
        ctx,
        [...s.where, 'files'],
      ),
      limits: { ...(d.limits ?? {}), ...(s.spec.limits ?? {}) },
      ports: { ...(d.ports ?? {}), ...(s.spec.ports ?? {}) },
      ready: spec.ready,
      autostart: spec.autostart ?? true,
      ...(clock ? { clock: true } : {}),
      where: s.where,
    };
  });

  const plan: LabPlan = { name: t.name, file: ctx.file, subnet, vars: t.vars ?? {}, nodes, scenarios, isolation: t.isolation, grading: t.grading };
  checkTemplates(plan, ctx);
  checkScenarioNodes(plan, ctx);
  return plan;
}

/** Whether any of these steps, or a step nested in them, is of this kind. */
function usesStepKind(steps: unknown[], kind: string): boolean {
  return steps.some((raw) => {
    const step = raw as Record<string, unknown>;
    const k = stepKindOf(step);
    if (k?.kind === kind) return true;
    return (k?.refs?.(step).children ?? []).some((c) => usesStepKind(c.steps, kind));
  });
}
/** Largest file a topology may place in a node (files: from:). */
const MAX_FILE_BYTES = 64 * 1024 * 1024;

function planFile(path: string, src: string | { from: string; mode?: string }, base: string, ctx: PlanContext, where: PropertyKey[]): PlannedFile {
  const rel = normalize(path).replace(/\/+$/, '');
  if (path.includes('\0') || rel === '' || rel === '.') throw ctx.map.error('a file path names a file inside the node folder (not empty, not ".")', where);
  if (isAbsolute(rel) || rel === '..' || rel.startsWith(`..${sep}`)) throw ctx.map.error('a file path must stay inside the node folder', where);
  if (typeof src === 'string') return { path: rel, content: Buffer.from(src), mode: 0o644 };
  return { path: rel, content: readSource(src.from, base, ctx, [...where, 'from']), mode: src.mode ? parseInt(src.mode, 8) : 0o644 };
}

/**
 * A `from:` file: a regular file under the topology's folder (after symlinks), at most
 * MAX_FILE_BYTES. Not /etc/passwd, not /dev/zero, not a FIFO (which would block forever).
 */
function readSource(from: string, base: string, ctx: PlanContext, where: PropertyKey[]): Buffer {
  let real: string;
  try {
    real = realpathSync(resolve(base, from));
  } catch (e) {
    throw ctx.map.error(`cannot read ${from}: ${(e as NodeJS.ErrnoException).code ?? e}`, where);
  }
  const inside = relative(realpathSync(base), real);
  if (inside === '' || inside.startsWith(`..${sep}`) || inside === '..' || isAbsolute(inside)) {
    throw ctx.map.error(`${from} is outside the topology's folder (files are taken from beside the topology only)`, where);
  }
  // O_NONBLOCK: opening a FIFO must not wait for a writer; fstat then refuses it.
  let fd: number;
  try {
    fd = openSync(real, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    throw ctx.map.error(`cannot read ${from}: ${(e as NodeJS.ErrnoException).code ?? e}`, where);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw ctx.map.error(`${from} is not a regular file`, where);
    if (st.size > MAX_FILE_BYTES) throw ctx.map.error(`${from} is ${st.size} bytes; at most ${MAX_FILE_BYTES} bytes can be placed in a node`, where);
    const buf = Buffer.alloc(st.size);
    let off = 0;
    while (off < st.size) {
      const n = readSync(fd, buf, off, st.size - off, off);
      if (n === 0) break;
      off += n;
    }
    return buf.subarray(0, off);
  } finally {
    closeSync(fd);
  }
}

/** Two files where one is the other's folder (x and x/y), or the same path twice after normalising, cannot both be made. */
function checkFileKeys(files: PlannedFile[], ctx: PlanContext, where: PropertyKey[]): PlannedFile[] {
  const paths = new Set(files.map((f) => f.path));
  for (const f of files) {
    const parts = f.path.split(sep);
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join(sep);
      if (paths.has(dir)) throw ctx.map.error(`"${dir}" is a file, so "${f.path}" cannot be made inside it`, [...where, f.path]);
    }
  }
  if (paths.size !== files.length) throw ctx.map.error('two keys name the same file', where);
  return files;
}

/** The names a node's command and env may use, given each node's address. */
export function templateScope(plan: LabPlan, addressOf: (n: NodePlan) => string, self?: NodePlan): Record<string, unknown> {
  // index: 0 for the server, 1..N for clients in order ({n} of a client group).
  const view = (n: NodePlan) => ({ name: n.name, ip: addressOf(n), ports: n.ports, host: n.host, index: plan.nodes.indexOf(n) });
  const nodes = Object.fromEntries(plan.nodes.map((n) => [n.name, view(n)]));
  const server = nodes[plan.nodes[0].name];
  return {
    vars: plan.vars,
    server,
    nodes,
    clients: plan.nodes.filter((n) => n.role === 'client').map(view),
    ...(self ? { self: view(self) } : {}),
  };
}

/** A node's command and environment with every template filled in. */
export function renderNode(plan: LabPlan, node: NodePlan, addressOf: (n: NodePlan) => string): { command: string[]; env: Record<string, string> } {
  const scope = templateScope(plan, addressOf, node);
  return {
    command: node.command.map((c) => render(c, scope)),
    env: Object.fromEntries(Object.entries(node.env).map(([k, v]) => [k, render(v, scope)])),
  };
}

function checkTemplates(plan: LabPlan, ctx: PlanContext): void {
  for (const n of plan.nodes) {
    const scope = templateScope(plan, (m) => `192.0.2.${m.host % 256}`, n);
    for (const [k, v] of Object.entries(n.env)) {
      try {
        render(v, scope);
      } catch (e) {
        if (e instanceof TemplateError) throw ctx.map.error(`node "${n.name}": ${e.message}`, [...n.where, 'env', k]);
        throw e;
      }
    }
    try {
      renderNode(plan, n, (m) => `192.0.2.${m.host % 256}`);
    } catch (e) {
      if (e instanceof TemplateError) throw ctx.map.error(`node "${n.name}": ${e.message}`, [...n.where, 'command']);
      throw e;
    }
  }
}

/**
 * Before anything runs: each step's literal node names must exist and its literal
 * patterns must compile, and a node's ready.output must compile the way step patterns do.
 * What each step names comes from its kind (scenario/steps/), so new kinds need no change here.
 */
function checkScenarioNodes(plan: LabPlan, ctx: PlanContext): void {
  const names = new Set(plan.nodes.map((n) => n.name));
  for (const n of plan.nodes) {
    const out = n.ready?.output;
    if (out === undefined) continue;
    try {
      toPattern(out);
    } catch (e) {
      throw ctx.map.error(`${e instanceof UnsafePatternError ? 'unsafe' : 'not a valid'} regular expression: ${(e as Error).message}`, [...n.where, 'ready', 'output']);
    }
  }
  const scenarioNames = new Set<string>();
  plan.scenarios.forEach((s, i) => {
    if (scenarioNames.has(s.name)) throw ctx.scenarioMap.error(`duplicate scenario name "${s.name}" (each is scored on its own)`, [...ctx.scenarioRoot, i, 'name']);
    scenarioNames.add(s.name);
  });
  const visit = (steps: unknown[], path: PropertyKey[]) => {
    steps.forEach((raw, i) => {
      const step = raw as Record<string, unknown>;
      const here = [...path, i];
      for (const [key, value] of Object.entries(step)) {
        if (typeof value !== 'string') continue;
        for (const m of value.matchAll(/\{\{\s*nodes\.([a-z0-9][a-z0-9_-]*(?:\.[a-z0-9_-]+)*?)\.(?:ip|name|ports|host|index)\b/g)) {
          if (!names.has(m[1])) throw ctx.scenarioMap.error(`{{ nodes.${m[1]} }}: no node named "${m[1]}" (nodes: ${[...names].join(', ')})`, [...here, key]);
        }
      }
      const refs = stepKindOf(step)?.refs?.(step) ?? {};
      for (const p of refs.patterns ?? []) {
        if (typeof p.text !== 'string' || p.text.includes('{{')) continue;
        try {
          toPattern(p.text, p.literal === true);
        } catch (e) {
          throw ctx.scenarioMap.error(`${e instanceof UnsafePatternError ? 'unsafe' : 'not a valid'} regular expression: ${(e as Error).message}`, [...here, ...(Array.isArray(p.key) ? p.key : [p.key])]);
        }
      }
      for (const { key, name } of refs.nodes ?? []) {
        if (typeof name === 'string' && !name.includes('{{') && !names.has(name)) {
          throw ctx.scenarioMap.error(`no node named "${name}" (nodes: ${[...names].join(', ')})`, [...here, key]);
        }
      }
      for (const c of refs.children ?? []) visit(c.steps, [...here, ...c.path]);
    });
  };
  plan.scenarios.forEach((s, i) => visit(s.steps, [...ctx.scenarioRoot, i, 'steps']));
}
