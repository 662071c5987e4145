import { describe, expect, it } from 'vitest';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { parse } from 'yaml';
import { loadTopology } from '../topology/load-topology.js';
import { k8sDefaults, k8sJob, labResources } from './k8s-job.js';
import { k8sJobYaml } from './k8s-job-yaml.js';

const plan = loadTopology('topologies/grading/bluetrace.yaml');

describe('a Kubernetes Indexed Job for a class', () => {
  const manifest = k8sJob(plan, { ...k8sDefaults(plan), shards: 8, parallelism: 3 });

  it('is a valid batch/v1 Job by the Kubernetes schema', () => {
    expect(() => new Job(manifest as never).validate()).not.toThrow();
    expect(() => new Job(parse(k8sJobYaml(plan, { ...k8sDefaults(plan), shards: 8, parallelism: 3 })) as never).validate()).not.toThrow();
  });

  it('is caught by the schema check when broken (the check can fail)', () => {
    const broken = structuredClone(manifest) as { spec: { completions: unknown } };
    broken.spec.completions = 'eight';
    expect(() => new Job(broken as never).validate()).toThrow();
  });

  it('grades shard k+1 of N in pod k, on the shared volumes, with the lab summed as limits', () => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a manifest read back, checked field by field
    const spec = (manifest as { spec: Record<string, any> }).spec;
    expect(spec.completionMode).toBe('Indexed');
    expect(spec.completions).toBe(8);
    expect(spec.parallelism).toBe(3);
    const c = spec.template.spec.containers[0];
    expect(c.command[2]).toContain('--shard "$((JOB_COMPLETION_INDEX + 1))/8"');
    expect(c.command[2]).toContain('--submissions /class/submissions');
    const r = labResources(plan);
    expect(r.memory).toBeGreaterThan(plan.nodes.length * 128 * 1024 ** 2);
    expect(c.resources.limits.memory).toBe(`${Math.ceil(r.memory / 1024 ** 2)}Mi`);
    expect(c.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true });
  });
});
