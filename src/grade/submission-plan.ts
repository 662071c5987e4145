import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { LabPlan, NodePlan, PlannedFile } from '../topology/lab-plan.js';
import { durationMs } from '../topology/duration.js';
import { parseSize } from '../topology/size.js';
import { detectSubmission, SubmissionError, withBuild, type Launch } from './detect-submission.js';

export type { GradeRole } from '../model/grade-results.js';
import type { GradeRole } from '../model/grade-results.js';

/** Where the shim writes what it rewrote, in the node's working folder (collected with it). */
export const LOOPBACK_LOG = '.netlab-loopback.log';

const SKIP = new Set(['.git', '__pycache__', 'node_modules', '.venv', '.idea', '.vscode']);
const MAX_SUBMISSION_BYTES = 20 * 1024 * 1024;

/**
 * The submission's files, read once; the original folder is never given to a node. Only
 * regular files with one link are copied: a hard link may be a host file's other name and
 * a symbolic link may point anywhere, so both (and FIFOs, sockets, devices) are left out,
 * each with a note for the report.
 */
export function readSubmission(dir: string, notes: string[] = []): PlannedFile[] {
  const out: PlannedFile[] = [];
  let total = 0;
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (SKIP.has(e.name)) continue;
      const full = join(d, e.name);
      const rel = relative(dir, full);
      if (e.isDirectory()) walk(full);
      else if (e.isFile()) {
        const st = statSync(full);
        if (st.nlink > 1) {
          notes.push(`${rel}: a hard link (the file has ${st.nlink} names), not copied`);
          continue;
        }
        total += st.size;
        if (total > MAX_SUBMISSION_BYTES) throw new SubmissionError(`the submission in ${dir} is larger than ${MAX_SUBMISSION_BYTES / 1024 / 1024} MiB`);
        out.push({ path: rel, content: readFileSync(full), mode: st.mode & 0o777 });
      } else notes.push(`${rel}: ${e.isSymbolicLink() ? 'a symbolic link' : 'not a regular file'}, not copied`);
    }
  };
  walk(dir);
  return out;
}

/** What a submission node may write (limits.disk) unless grading.limits says otherwise. */
const SUBMISSION_DISK = '128m';

export interface GradeLimits {
  scenarioMs: number;
  submissionMs: number;
}

/**
 * The lab plan with the submission in the place of the reference server, the reference
 * clients, or both: its files copied into each such node's folder, its own command
 * (built first where needed) with the arguments the assignment fixes, the grading image,
 * the sandbox and the limits.
 */
export function planWithSubmission(plan: LabPlan, dir: string, role: GradeRole, launch: Launch = detectSubmission(dir)): { plan: LabPlan; limits: GradeLimits; notes: string[] } {
  const g = plan.grading ?? {};
  const notes: string[] = [];
  const files = readSubmission(dir, notes);
  const takes = (n: NodePlan) => role === 'both' || n.role === role;
  const outputLimit = parseSize(g.output_limit ?? '1m');
  // The loopback policy, applied by the socket shim in each submission node (docs/grading.md).
  const server = plan.nodes.find((n) => n.role === 'server');
  const serverPorts = [...new Set([...(g.server?.port ? [g.server.port] : []), ...Object.values(server?.ports ?? {})])];
  const loopbackEnv: Record<string, string> = {
    NETLAB_LOOPBACK: g.loopback ?? 'warn',
    NETLAB_SERVER_ADDRESS: '{{ server.ip }}',
    NETLAB_SERVER_PORTS: serverPorts.join(','),
    NETLAB_LOOPBACK_LOG: LOOPBACK_LOG,
  };
  const nodes = plan.nodes.map((n): NodePlan => {
    if (!takes(n)) return { ...n, outputLimit };
    const spec = g[n.role];
    const program = launch[n.role];
    if (!spec?.command && !program) throw new SubmissionError(`the submission has no ${n.role} (${n.role === 'server' ? 'server.py, Server.java or ./server' : 'client.py, Client.java or ./client'})`);
    if (!spec?.command && !spec?.args) throw new SubmissionError(`the topology has no grading.${n.role}.args: which arguments the assignment fixes`);
    const command = spec?.command ?? withBuild(launch.build, [...program!, ...spec!.args]);
    return {
      ...n,
      image: g.image ?? 'grading',
      command,
      env: { ...n.env, ...loopbackEnv },
      files: [...files, ...n.files],
      limits: { memory: '256m', cpus: 0.5, pids: 64, disk: SUBMISSION_DISK, ...(g.limits ?? {}) },
      // The reference's readiness text is not the submission's: wait for its port if known.
      ready: n.role === 'server' && spec?.port ? { port: spec.port, ...(spec.transport ? { transport: spec.transport } : {}), timeout: n.ready?.timeout ?? '20s' } : undefined,
      sandbox: { user: '1000:1000', fileLimit: parseSize(g.file_limit ?? '64m') },
      outputLimit,
    };
  });
  return {
    // Grading makes every scenario start from fresh nodes unless the topology says shared.
    plan: { ...plan, nodes, isolation: plan.isolation ?? 'scenario' },
    limits: { scenarioMs: durationMs(g.scenario_timeout, 60_000), submissionMs: durationMs(g.submission_timeout, 600_000) },
    notes,
  };
}
