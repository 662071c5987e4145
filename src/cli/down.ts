import { LABEL_LAB, LABEL_OWNER, LABEL_RUN } from '../runtime/docker/docker-labels.js';
import { deleteRule, listLabRules } from '../runtime/docker/host-firewall.js';
import { ownerTag } from '../runtime/run-lease.js';
import { removeByLabel } from '../runtime/docker/docker-labels.js';
import { listLabs, unregisterLab } from '../lab/lab-registry.js';
import { EXIT, UsageError } from './exit-codes.js';
import { maybeDocker } from './find-node.js';

/** `lab down`: remove a kept lab's containers and network by label, or stop the local controller holding it. */
export async function down(projectRoot: string, lab: string | undefined, opts: { all?: boolean; everyone?: boolean }): Promise<number> {
  if (!lab && !opts.all) throw new UsageError('say which lab (./lab ps lists them), or --all');
  if (opts.everyone && !opts.all) throw new UsageError('--everyone goes with --all');
  const docker = await maybeDocker();
  let removed = 0;
  if (docker) {
    // --all: this user's labs of this project only; --everyone: every netlab lab on the engine.
    const label = downLabel(projectRoot, lab, opts);
    const nets = await docker.listNetworks({ filters: JSON.stringify({ label: [label] }) });
    const runIds = new Set(nets.map((n) => n.Labels?.[LABEL_RUN]).filter(Boolean));
    const r = await removeByLabel(docker, label);
    // Their host firewall rules go with them (a kept lab's rule stays until lab down).
    for (const rule of await listLabRules()) if (runIds.has(rule.runId)) await deleteRule(rule.del);
    removed += r.containers + r.networks;
    if (r.containers || r.networks) process.stderr.write(`removed ${r.containers} containers and ${r.networks} networks\n`);
  }
  for (const rec of listLabs(projectRoot)) {
    if (!opts.all && rec.lab !== lab) continue;
    if (rec.runtime === 'local' && rec.pid !== process.pid) {
      try {
        process.kill(rec.pid, 'SIGINT'); // the controller holding the lab tears it down itself
        process.stderr.write(`asked the controller of ${rec.lab} (pid ${rec.pid}) to tear down\n`);
        removed++;
      } catch {
        /* already gone */
      }
    }
    if (rec.runtime === 'docker') unregisterLab(projectRoot, rec.lab, rec.runId);
  }
  if (!removed) process.stderr.write(`nothing to tear down${lab ? ` for ${lab}` : ''}\n`);
  return EXIT.ok;
}

/** The label `lab down` removes by: one lab by name; --all this user's labs of this project; --everyone every netlab lab. */
export function downLabel(projectRoot: string, lab: string | undefined, opts: { all?: boolean; everyone?: boolean }): string {
  if (!opts.all) return `${LABEL_LAB}=${lab}`;
  return opts.everyone ? LABEL_LAB : `${LABEL_OWNER}=${ownerTag(projectRoot)}`;
}
