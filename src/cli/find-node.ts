import type Docker from 'dockerode';
import { dockerClient, pingDocker } from '../runtime/choose-runtime.js';
import { LABEL_LAB, LABEL_NODE } from '../runtime/docker/docker-labels.js';
import { listLabs, type LabRecord } from '../lab/lab-registry.js';
import { UsageError } from './exit-codes.js';

export type FoundNode =
  | { kind: 'docker'; docker: Docker; container: Docker.Container; lab: string; node: string }
  | { kind: 'local'; record: LabRecord; node: string };

/** Docker, if an engine answers, for verbs that look at running labs. */
export async function maybeDocker(): Promise<Docker | undefined> {
  const d = dockerClient();
  return (await pingDocker(d, 1500)) ? d : undefined;
}

/**
 * Find a node of a running lab by "node" or "lab/node": docker labs through their
 * labels, local labs through the registry their controller keeps.
 */
export async function findNode(projectRoot: string, spec: string): Promise<FoundNode> {
  const [lab, node] = spec.includes('/') ? spec.split('/', 2) : [undefined, spec];
  const found: FoundNode[] = [];
  const docker = await maybeDocker();
  if (docker) {
    const labels = [`${LABEL_NODE}=${node}`, ...(lab ? [`${LABEL_LAB}=${lab}`] : [])];
    for (const c of await docker.listContainers({ all: true, filters: JSON.stringify({ label: labels }) })) {
      found.push({ kind: 'docker', docker, container: docker.getContainer(c.Id), lab: c.Labels[LABEL_LAB], node });
    }
  }
  for (const rec of listLabs(projectRoot)) {
    if (rec.runtime !== 'local' || (lab && rec.lab !== lab)) continue;
    if (rec.nodes.some((n) => n.name === node)) found.push({ kind: 'local', record: rec, node });
  }
  if (found.length === 0) throw new UsageError(`no running lab has a node "${spec}" (see ./lab ps; a lab stays up only with ./lab up --keep)`);
  if (found.length > 1) {
    const labs = found.map((f) => (f.kind === 'docker' ? f.lab : f.record.lab));
    throw new UsageError(`several running labs have a node "${node}" (${labs.join(', ')}); say which: LAB/${node}`);
  }
  return found[0];
}
