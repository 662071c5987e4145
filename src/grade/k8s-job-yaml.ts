import { stringify } from 'yaml';
import type { LabPlan } from '../topology/lab-plan.js';
import { k8sJob, type K8sJobOptions } from './k8s-job.js';

/** The Job as the YAML file `kubectl apply -f` takes, with a header saying what it needs. */
export function k8sJobYaml(plan: LabPlan, o: K8sJobOptions): string {
  return [
    `# netlab: grade ${plan.name} as a Kubernetes Indexed Job (${o.shards} shards, ${o.parallelism} at once).`,
    `# Needs: the image ${o.image} in a registry the cluster pulls from, and the claims`,
    `# ${o.submissionsClaim} (the class, one folder per submission) and ${o.resultsClaim} (ReadWriteMany).`,
    `# Afterwards: lab grade merge <results>/part* --out <results>/all   (docs/cluster.md)`,
    stringify(k8sJob(plan, o), { aliasDuplicateObjects: false }),
  ].join('\n');
}
