import type Docker from 'dockerode';

/** Labels on every container and network netlab creates; clean-up goes by these, never by name. */
export const LABEL_LAB = 'netlab.lab';
export const LABEL_RUN = 'netlab.run';
export const LABEL_NODE = 'netlab.node';
/** A node's address, on its containers (one that joins a holder's network has none of its own to read). */
export const LABEL_ADDRESS = 'netlab.address';
/** On a container that holds a node's network namespace (isolation: scenario): that node's name. Not a node. */
export const LABEL_HOLDS = 'netlab.holds';
/** The controller that owns a run (run-lease.ts), or "kept" for a lab left running on purpose. */
export const LABEL_LEASE = 'netlab.lease';
/** Who started it: uid and project (run-lease.ts ownerTag); `lab down --all` removes only its own. */
export const LABEL_OWNER = 'netlab.owner';

/**
 * Remove every container, then every network, carrying the label (e.g. "netlab.run=ab12cd34"),
 * or every one of the labels. Containers go first: a network with endpoints cannot be removed.
 */
export async function removeByLabel(docker: Docker, label: string | string[]): Promise<{ containers: number; networks: number }> {
  const filters = JSON.stringify({ label: typeof label === 'string' ? [label] : label });
  const containers = await docker.listContainers({ all: true, filters });
  await Promise.all(
    containers.map((c) => {
      const container = docker.getContainer(c.Id);
      return container.remove({ force: true, v: true }).catch(async (e: { statusCode?: number }) => {
        if (e.statusCode === 404) return;
        if (e.statusCode !== 409) throw e;
        // 409: another remove of it is under way (a second tear-down, a reaper). It is not
        // gone yet: wait until the engine says it is, so that "nothing left" holds on return.
        await container.wait({ condition: 'removed' }).catch(() => undefined);
      });
    }),
  );
  const networks = await docker.listNetworks({ filters });
  await Promise.all(networks.map((n) => removeNetwork(docker, n.Id)));
  return { containers: containers.length, networks: networks.length };
}

/**
 * Remove a network, riding out the engine's 403 "has active endpoints" while containers
 * are still going (seen at 50+ nodes): disconnect what is left, by force, and try again.
 */
export async function removeNetwork(docker: Docker, id: string, attempts = 8): Promise<void> {
  const net = docker.getNetwork(id);
  for (let i = 1; ; i++) {
    try {
      await net.remove();
      return;
    } catch (e) {
      const code = (e as { statusCode?: number }).statusCode;
      if (code === 404) return;
      if (code !== 403 || i >= attempts) throw e;
      const info = (await net.inspect().catch(() => undefined)) as { Containers?: Record<string, unknown> } | undefined;
      await Promise.all(Object.keys(info?.Containers ?? {}).map((c) => net.disconnect({ Container: c, Force: true }).catch(() => undefined)));
      await new Promise((r) => setTimeout(r, 50 * i));
    }
  }
}
