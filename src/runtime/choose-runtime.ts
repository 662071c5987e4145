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

/** A fresh runtime of a kind already chosen (no engine ping): one per lab run in a batch. */
export function runtimeOf(kind: RuntimeKind, projectRoot: string): Runtime {
  return kind === 'docker' ? new DockerRuntime(dockerClient(), projectRoot) : new LocalRuntime(projectRoot, join(projectRoot, 'dist'));
}

/**
 * docker when asked for or when an engine answers; local otherwise. The reason is
 * returned so the user always sees which runtime was chosen and why.
 */
export async function chooseRuntime(kind: RuntimeKind | 'auto', projectRoot: string): Promise<ChosenRuntime> {
  if (kind === 'local') return { runtime: runtimeOf('local', projectRoot), why: 'asked for with --runtime local' };
  const version = await pingDocker(dockerClient());
  if (version) return { runtime: runtimeOf('docker', projectRoot), why: `Docker engine ${version} answered` };
  if (kind === 'docker') throw new RuntimeError('no Docker engine answered (is dockerd running? DOCKER_HOST?); try --runtime local');
  return { runtime: runtimeOf('local', projectRoot), why: 'no Docker engine answered; each node is a local process on its own 127.x address' };
}
