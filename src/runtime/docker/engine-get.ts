import { request } from 'node:http';

/** Where DOCKER_HOST points, when plain HTTP reaches it (a unix socket, or tcp:// without TLS). */
export type EngineEndpoint = { socketPath: string } | { host: string; port: number };

/**
 * The engine's address for a read over plain HTTP, or undefined when only dockerode can
 * reach it (ssh://, or TLS asked for with DOCKER_TLS_VERIFY). Listing a lab's containers
 * this way keeps `lab ps` from loading dockerode (and its protobuf and ssh stacks: about
 * 0.2 s of start-up).
 */
export function engineEndpoint(env: NodeJS.ProcessEnv = process.env): EngineEndpoint | undefined {
  const h = env.DOCKER_HOST;
  if (!h) return { socketPath: '/var/run/docker.sock' };
  if (h.startsWith('unix://')) return { socketPath: h.slice('unix://'.length) };
  if (h.startsWith('tcp://') && !env.DOCKER_TLS_VERIFY) {
    const u = new URL(`http://${h.slice('tcp://'.length)}`);
    return { host: u.hostname, port: Number(u.port || 2375) };
  }
  return undefined;
}

/** GET a path of the engine API as JSON; undefined when no engine answers within timeoutMs. */
export function engineGet<T>(endpoint: EngineEndpoint, path: string, timeoutMs = 1500): Promise<T | undefined> {
  return new Promise((resolve) => {
    const req = request({ ...endpoint, path, method: 'GET', timeout: timeoutMs, headers: { host: 'docker' } }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (d: Buffer) => parts.push(d));
      res.on('end', () => {
        if (res.statusCode !== 200) return resolve(undefined);
        try {
          resolve(JSON.parse(Buffer.concat(parts).toString('utf8')) as T);
        } catch {
          resolve(undefined);
        }
      });
      res.on('error', () => resolve(undefined));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
    req.end();
  });
}

/** The fields of GET /containers/json that the lab reads. */
export interface ContainerSummary {
  Id: string;
  State: string;
  Labels: Record<string, string>;
  NetworkSettings?: { Networks?: Record<string, { IPAddress?: string; IPAMConfig?: { IPv4Address?: string } | null }> };
}
