import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { leaseAlive } from '../run-lease.js';

const run = promisify(execFile);
const PREFIX = 'netlab:';

/**
 * Host firewall rules for a lab network: new connections from the lab's bridge and subnet
 * to the host itself (its gateway address, or any host address routed there) are dropped
 * in the INPUT chain, so student code cannot reach a service listening on the grading
 * host. Replies to connections the host opens (readiness probes, waitPort) still pass
 * (conntrack ESTABLISHED); traffic between containers is bridged and never meets INPUT.
 * Each rule carries a comment naming the run and its lease (netlab:<run>:<lease>), so it
 * is removed at tear-down and reaped after a SIGKILL like containers and networks.
 */
export class HostFirewall {
  private spec?: string[];

  /** Install the rule; resolves with a warning instead of throwing when iptables cannot be used. */
  async install(bridge: string, subnet: string, runId: string, lease: string): Promise<string | undefined> {
    const spec = ['INPUT', '-i', bridge, '-s', subnet, '-m', 'conntrack', '--ctstate', 'NEW', '-m', 'comment', '--comment', `${PREFIX}${runId}:${lease}`, '-j', 'DROP'];
    try {
      await run('iptables', ['-w', '5', '-I', ...spec]);
      this.spec = spec;
      return undefined;
    } catch (e) {
      return `host firewall not installed (${(e as Error).message.split('\n')[0]}): this lab's nodes can reach services on the host`;
    }
  }

  async remove(): Promise<void> {
    if (!this.spec) return;
    const spec = this.spec;
    this.spec = undefined;
    await run('iptables', ['-w', '5', '-D', ...spec]).catch(() => undefined);
  }
}

/** The netlab rules in the INPUT chain: run id, lease, and the argv that deletes each. */
export async function listLabRules(): Promise<{ runId: string; lease: string; del: string[] }[]> {
  let out: string;
  try {
    out = (await run('iptables', ['-w', '5', '-S', 'INPUT'])).stdout;
  } catch {
    return [];
  }
  const rules: { runId: string; lease: string; del: string[] }[] = [];
  for (const line of out.split('\n')) {
    const m = /--comment "?(netlab:[^"\s]+)"?/.exec(line);
    if (!m || !line.startsWith('-A INPUT ')) continue;
    const [, runId, ...lease] = m[1].split(':');
    const args = line.split(' ').map((a) => a.replace(/^"|"$/g, ''));
    args[0] = '-D';
    rules.push({ runId, lease: lease.join(':'), del: args });
  }
  return rules;
}

/** Delete one rule by the argv listLabRules gave. */
export async function deleteRule(del: string[]): Promise<void> {
  await run('iptables', ['-w', '5', ...del]).catch(() => undefined);
}

/** Delete the rules of runs whose controller is gone; returns how many. */
export async function reapFirewall(): Promise<number> {
  let n = 0;
  for (const r of await listLabRules()) {
    if (leaseAlive(r.lease)) continue;
    await run('iptables', ['-w', '5', ...r.del]).then(
      () => n++,
      () => undefined,
    );
  }
  return n;
}
