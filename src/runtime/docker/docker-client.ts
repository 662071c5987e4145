import Docker from 'dockerode';

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

/** Docker, if an engine answers, for verbs that look at running labs. */
export async function maybeDocker(): Promise<Docker | undefined> {
  const d = dockerClient();
  return (await pingDocker(d, 1500)) ? d : undefined;
}
