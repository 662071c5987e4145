import { readdirSync, writeFileSync } from 'node:fs';
import { loadTopology } from '../topology/load-topology.js';
import { k8sDefaults } from '../grade/k8s-job.js';
import { k8sJobYaml } from '../grade/k8s-job-yaml.js';
import { EXIT, UsageError } from './exit-codes.js';

export interface K8sCliOptions {
  output?: string;
  submissions?: string;
  shards?: string;
  parallel?: string;
  image?: string;
}

const positive = (v: string | undefined, flag: string, dflt: number) => {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag} takes a positive whole number, not "${v}"`);
  return n;
};

/** `lab export k8s-job`: a grading topology as a Kubernetes Indexed Job over a class. */
export function exportK8sJob(file: string, o: K8sCliOptions): number {
  const plan = loadTopology(file);
  if (!plan.grading) throw new UsageError(`${file} has no grading: section; only a grading topology can become a grading Job`);
  let dflt = 4;
  if (o.submissions) {
    let count: number;
    try {
      count = readdirSync(o.submissions, { withFileTypes: true }).filter((d) => d.isDirectory() && !d.name.startsWith('.')).length;
    } catch (e) {
      throw new UsageError(`--submissions ${o.submissions}: ${(e as NodeJS.ErrnoException).code ?? e}`);
    }
    if (count === 0) throw new UsageError(`--submissions ${o.submissions} holds no submission folders`);
    dflt = Math.max(1, Math.ceil(count / 10)); // about ten submissions per pod
  }
  const shards = positive(o.shards, '--shards', dflt);
  const text = k8sJobYaml(plan, { ...k8sDefaults(plan), ...(o.image ? { image: o.image } : {}), shards, parallelism: positive(o.parallel, '--parallel', shards) });
  if (o.output) writeFileSync(o.output, text);
  else process.stdout.write(text);
  return EXIT.ok;
}
