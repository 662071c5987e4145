import type Docker from 'dockerode';

/** Labels on every container and network netlab creates; clean-up goes by these, never by name. */
export const LABEL_LAB = 'netlab.lab';
export const LABEL_RUN = 'netlab.run';
export const LABEL_NODE = 'netlab.node';

/**
 * Remove every container, then every network, carrying the label (e.g. "netlab.run=ab12cd34").
 * Containers go first: a network with endpoints cannot be removed.
 */
export async function removeByLabel(docker: Docker, label: string): Promise<{ containers: number; networks: number }> {
  const filters = JSON.stringify({ label: [label] });
  const containers = await docker.listContainers({ all: true, filters });
  await Promise.all(
    containers.map((c) =>
      docker
        .getContainer(c.Id)
        .remove({ force: true, v: true })
        .catch((e: { statusCode?: number }) => {
          if (e.statusCode !== 404 && e.statusCode !== 409) throw e;
        }),
    ),
  );
  const networks = await docker.listNetworks({ filters });
  await Promise.all(
    networks.map((n) =>
      docker
        .getNetwork(n.Id)
        .remove()
        .catch((e: { statusCode?: number }) => {
          if (e.statusCode !== 404) throw e;
        }),
    ),
  );
  return { containers: containers.length, networks: networks.length };
}
