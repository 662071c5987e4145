import type Docker from 'dockerode';
import { LABEL_ADDRESS, LABEL_HOLDS, LABEL_LAB, LABEL_NODE } from './docker-labels.js';
import { DockerNode } from './docker-node.js';
import type { ExitInfo } from '../runtime.js';

/**
 * The nodes of a kept Docker lab, found by label, as runtime nodes again: running ones
 * are attached to (their output flows from now on), stopped ones can be started.
 */
export async function adoptDockerLab(docker: Docker, lab: string): Promise<{ node: DockerNode; exit?: ExitInfo }[]> {
  const list = await docker.listContainers({ all: true, filters: JSON.stringify({ label: [`${LABEL_LAB}=${lab}`] }) });
  const holders = new Map(list.filter((c) => c.Labels[LABEL_HOLDS]).map((c) => [c.Labels[LABEL_HOLDS], c.Id]));
  const nodes = await Promise.all(
    list
      .filter((c) => !c.Labels[LABEL_HOLDS])
      .map(async (c) => {
      const nets = Object.values(c.NetworkSettings?.Networks ?? {});
      const address = c.Labels[LABEL_ADDRESS] || nets[0]?.IPAMConfig?.IPv4Address || nets[0]?.IPAddress || '';
      const n = new DockerNode(docker, docker.getContainer(c.Id), c.Labels[LABEL_NODE], address, c.Image);
      const holder = holders.get(c.Labels[LABEL_NODE]);
      if (holder) n.netHolder = docker.getContainer(holder);
      return { node: n, exit: await n.adopt() };
    }),
  );
  return nodes;
}
