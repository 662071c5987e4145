import { dockerClient, pingDocker } from './docker/docker-client.js';
import { driverOf } from './drivers.js';
import { RuntimeError, type Runtime, type RuntimeKind } from './runtime.js';

export interface ChosenRuntime {
  runtime: Runtime;
  why: string;
}

/** A fresh runtime of a kind already chosen (no engine ping): one per lab run in a batch. */
export function runtimeOf(kind: RuntimeKind, projectRoot: string): Promise<Runtime> {
  return driverOf(kind).create(projectRoot);
}

/**
 * docker when asked for or when an engine answers; local otherwise. The reason is
 * returned so the user always sees which runtime was chosen and why.
 */
export async function chooseRuntime(kind: RuntimeKind | 'auto', projectRoot: string): Promise<ChosenRuntime> {
  if (kind === 'local') return { runtime: await runtimeOf('local', projectRoot), why: 'asked for with --runtime local' };
  const version = await pingDocker(dockerClient());
  if (version) return { runtime: await runtimeOf('docker', projectRoot), why: `Docker engine ${version} answered` };
  if (kind === 'docker') throw new RuntimeError('no Docker engine answered (is dockerd running? DOCKER_HOST?); try --runtime local');
  return { runtime: await runtimeOf('local', projectRoot), why: 'no Docker engine answered; each node is a local process on its own 127.x address' };
}
