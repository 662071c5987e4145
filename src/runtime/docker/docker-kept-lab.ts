import type Docker from 'dockerode';
import { LABEL_ADDRESS, LABEL_HOLDS, LABEL_NODE, LABEL_RUN } from './docker-labels.js';
import { DockerNode } from './docker-node.js';
import { dockerWireTarget } from './docker-prepared-lab.js';
import { parseSubnet } from '../../topology/address-plan.js';
import type { AdoptedLab } from '../runtime-driver.js';

/**
 * The nodes of a kept Docker lab, found by its run's label, as runtime nodes again: running
 * ones are attached to (their output flows from now on), stopped ones can be started. Its
 * network (same label) gives the subnet, so a replay captures and puts faults in like the
 * run did.
 */
export async function adoptDockerLab(docker: Docker, runId: string): Promise<AdoptedLab> {
  const filters = JSON.stringify({ label: [`${LABEL_RUN}=${runId}`] });
  const [list, nets] = await Promise.all([docker.listContainers({ all: true, filters }), docker.listNetworks({ filters })]);
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
  const cidr = nets[0]?.IPAM?.Config?.find((c) => c.Subnet && !c.Subnet.includes(':'))?.Subnet;
  const subnet = cidr ? parseSubnet(cidr) : undefined;
  return { nodes, wireTarget: subnet ? () => dockerWireTarget(subnet) : undefined };
}
