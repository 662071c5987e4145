import type Docker from 'dockerode';
import { LABEL_LAB, LABEL_NODE } from './docker-labels.js';
import { DockerNode } from './docker-node.js';
import type { ExitInfo } from '../runtime.js';

/**
 * The nodes of a kept Docker lab, found by label, as runtime nodes again: running ones
 * are attached to (their output flows from now on), stopped ones can be started.
 */
export async function adoptDockerLab(docker: Docker, lab: string): Promise<{ node: DockerNode; exit?: ExitInfo }[]> {
  const list = await docker.listContainers({ all: true, filters: JSON.stringify({ label: [`${LABEL_LAB}=${lab}`] }) });
  const nodes = await Promise.all(
    list.map(async (c) => {
      const nets = Object.values(c.NetworkSettings?.Networks ?? {});
      const address = nets[0]?.IPAMConfig?.IPv4Address || nets[0]?.IPAddress || '';
      const n = new DockerNode(docker, docker.getContainer(c.Id), c.Labels[LABEL_NODE], address, c.Image);
      return { node: n, exit: await n.adopt() };
    }),
  );
  return nodes;
}
