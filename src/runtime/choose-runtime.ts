import Docker from 'dockerode';
import { join } from 'node:path';
import { DockerRuntime } from './docker/docker-runtime.js';
import { LocalRuntime } from './local/local-runtime.js';
import { RuntimeError, type Runtime, type RuntimeKind } from './runtime.js';

export interface ChosenRuntime {
  runtime: Runtime;
  why: string;
}

/** A dockerode client for the engine DOCKER_HOST names, or the default socket. */
export function dockerClient(): Docker {
  return new Docker();
}

/** Ask the engine whether it answers, without waiting long for one that does not. */
export async function pingDocker(docker: Docker, timeoutMs = 2000): Promise<string | undefined> {
  try {
    const v = (await Promise.race([
      docker.version(),
      new Promise((_, reject) => setTimeout(() => reject(new Error('no answer')), timeoutMs)),
    ])) as { Version: string };
    return v.Version;
  } catch {
    return undefined;
  }
}

/**
 * docker when asked for or when an engine answers; local otherwise. The reason is
 * returned so the user always sees which runtime was chosen and why.
 */
export async function chooseRuntime(kind: RuntimeKind | 'auto', projectRoot: string): Promise<ChosenRuntime> {
  const distDir = join(projectRoot, 'dist');
  const local = () => new LocalRuntime(projectRoot, distDir);
  if (kind === 'local') return { runtime: local(), why: 'asked for with --runtime local' };
  const docker = dockerClient();
  const version = await pingDocker(docker);
  if (version) return { runtime: new DockerRuntime(docker, projectRoot), why: `Docker engine ${version} answered` };
  if (kind === 'docker') throw new RuntimeError('no Docker engine answered (is dockerd running? DOCKER_HOST?); try --runtime local');
  return { runtime: local(), why: 'no Docker engine answered; each node is a local process on its own 127.x address' };
}
