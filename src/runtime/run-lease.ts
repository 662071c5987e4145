import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';

/**
 * A run's lease: which controller process owns it (host, pid and that process's start
 * time, so a reused pid does not count as alive), in the manner of testcontainers' Ryuk.
 * Containers and networks carry it as a label, local nodes as an environment variable;
 * the next `lab up` removes whatever belongs to a dead lease. A kept lab's lease is "kept".
 */
export const KEPT = 'kept';

/** The start time of a process in clock ticks since boot (/proc/<pid>/stat field 22), or undefined when it is gone. */
function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: fields resume after the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/**
 * The host part of a lease. A grader task of a Swarm job runs in the host's network
 * namespace (so its hostname is the host's) but in a pid namespace of its own: it names
 * itself (NETLAB_LEASE_HOST), so no other controller on that host judges its pids, and no
 * task judges another's.
 */
function leaseHost(): string {
  return process.env.NETLAB_LEASE_HOST?.trim() || hostname();
}

/** This controller's lease. */
export function ownLease(): string {
  return `${leaseHost()}:${process.pid}:${processStart(process.pid) ?? '0'}`;
}

/** Whether a lease's controller is still running (a lease of another host is taken as alive: it is not ours to judge). */
export function leaseAlive(lease: string): boolean {
  if (lease === KEPT) return true;
  const [host, pid, start] = lease.split(':');
  if (host !== leaseHost() || !pid) return true;
  return processStart(Number(pid)) === start;
}

/** Who started a lab: this user in this project. `lab down --all` removes only these unless --everyone. */
export function ownerTag(projectRoot: string): string {
  return `${userInfo().uid}:${createHash('sha256').update(projectRoot).digest('hex').slice(0, 12)}`;
}

/** Processes whose environment holds NAME=value... with a lease: pid and lease, for reaping local nodes. */
export function leasedProcesses(envName: string): { pid: number; lease: string }[] {
  const out: { pid: number; lease: string }[] = [];
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((p) => /^\d+$/.test(p));
  } catch {
    return out;
  }
  const prefix = `${envName}=`;
  for (const p of pids) {
    let env: string;
    try {
      env = readFileSync(`/proc/${p}/environ`, 'latin1');
    } catch {
      continue;
    }
    const hit = env.split('\0').find((e) => e.startsWith(prefix));
    if (hit) out.push({ pid: Number(p), lease: hit.slice(prefix.length) });
  }
  return out;
}
