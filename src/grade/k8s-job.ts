import { basename } from 'node:path';
import type { LabPlan } from '../topology/lab-plan.js';
import { parseSize } from '../topology/size.js';

export interface K8sJobOptions {
  /** Shares of the class, one pod each (completions). */
  shards: number;
  /** Pods at once (parallelism). */
  parallelism: number;
  /** The grader image: netlab with the grading image's toolchains (docs/cluster.md). */
  image: string;
  /** PersistentVolumeClaims holding the submissions (read-only) and receiving the results. */
  submissionsClaim: string;
  resultsClaim: string;
  /** The topology's path inside the image or on the submissions volume. */
  topologyPath: string;
}

const CONTROLLER = { memory: 512 * 1024 ** 2, cpus: 0.5 };
const SUBMISSION_DEFAULT = { memory: '256m', cpus: 0.5 };

/**
 * What one grading lab needs at most: every node at its limit, plus the controller. The
 * pod is the sandbox here (no container engine inside it): its limits are the ones that
 * hold a submission in, so they are the lab's limits summed, never left unlimited.
 */
export function labResources(plan: LabPlan): { memory: number; cpus: number } {
  const g = plan.grading ?? {};
  let memory = CONTROLLER.memory;
  let cpus = CONTROLLER.cpus;
  for (const n of plan.nodes) {
    const l = { ...SUBMISSION_DEFAULT, ...n.limits, ...(g.limits ?? {}) };
    memory += parseSize(l.memory);
    cpus += l.cpus;
  }
  return { memory, cpus: Math.round(cpus * 1000) / 1000 };
}

/**
 * A Kubernetes Indexed Job that grades a class in `shards` shares: pod k grades shard
 * k+1/N (JOB_COMPLETION_INDEX counts from 0, --shard from 1), results on a shared volume,
 * joined afterwards by `lab grade merge`. Inside the pod netlab uses its local runtime,
 * with the pod as the sandbox: non-root, no privilege escalation, all capabilities
 * dropped, read-only root file system, the lab's summed limits.
 */
export function k8sJob(plan: LabPlan, o: K8sJobOptions): Record<string, unknown> {
  const r = labResources(plan);
  const name = `netlab-grade-${plan.name}`.replace(/[^a-z0-9-]/g, '-').slice(0, 52);
  const resources = { memory: `${Math.ceil(r.memory / 1024 ** 2)}Mi`, cpu: `${Math.round(r.cpus * 1000)}m` };
  const labels = { 'app.kubernetes.io/name': 'netlab', 'app.kubernetes.io/component': 'grader', 'netlab.lab': plan.name };
  const grade = [
    './lab grade',
    JSON.stringify(o.topologyPath),
    '--submissions /class/submissions',
    `--shard "$((JOB_COMPLETION_INDEX + 1))/${o.shards}"`,
    `--out "/class/results/part$((JOB_COMPLETION_INDEX + 1))"`,
    '--runtime local --unsafe-local --jobs 1',
  ].join(' ');
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, labels },
    spec: {
      completionMode: 'Indexed',
      completions: o.shards,
      parallelism: Math.min(o.parallelism, o.shards),
      backoffLimitPerIndex: 1, // a failed shard is retried once, the others go on
      maxFailedIndexes: o.shards,
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: 'Never',
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          securityContext: { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } },
          containers: [
            {
              name: 'grader',
              image: o.image,
              workingDir: '/opt/netlab',
              command: ['/bin/sh', '-c', grade],
              resources: { limits: resources, requests: resources },
              securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
              volumeMounts: [
                { name: 'submissions', mountPath: '/class/submissions', readOnly: true },
                { name: 'results', mountPath: '/class/results' },
                { name: 'scratch', mountPath: '/opt/netlab/runs' },
                { name: 'scratch', mountPath: '/tmp', subPath: 'tmp' },
              ],
            },
          ],
          volumes: [
            { name: 'submissions', persistentVolumeClaim: { claimName: o.submissionsClaim, readOnly: true } },
            { name: 'results', persistentVolumeClaim: { claimName: o.resultsClaim } },
            { name: 'scratch', emptyDir: { sizeLimit: '2Gi' } },
          ],
        },
      },
    },
  };
}

/** Default claim and image names, from the topology's file name. */
export function k8sDefaults(plan: LabPlan): Pick<K8sJobOptions, 'image' | 'submissionsClaim' | 'resultsClaim' | 'topologyPath'> {
  return { image: 'netlab/grader:latest', submissionsClaim: `${plan.name}-submissions`, resultsClaim: `${plan.name}-results`, topologyPath: `topologies/grading/${basename(plan.file)}` };
}
