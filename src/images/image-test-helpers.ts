// Test helpers shared by the image-* and grading-* tests (not used at runtime): reading tars,
// gating integration tests on a reachable Docker engine, and running one-off containers.
import type Docker from 'dockerode';
import tar from 'tar-stream';
import type { TestContext } from 'vitest';

/** One archive member as readTar returns it, so tests can assert names, types and modes. */
export interface TarItem {
  name: string;
  type: string;
  mode: number;
  linkname?: string;
  data: Buffer;
}

/** Reads a whole tar stream into memory (test-sized archives only). */
export async function readTar(stream: NodeJS.ReadableStream): Promise<Map<string, TarItem>> {
  const ex = tar.extract();
  stream.on('error', (err: Error) => ex.destroy(err));
  stream.pipe(ex);
  const out = new Map<string, TarItem>();
  for await (const entry of ex) {
    const chunks: Buffer[] = [];
    for await (const c of entry) chunks.push(c as Buffer);
    const h = entry.header;
    out.set(h.name, {
      name: h.name,
      type: h.type ?? 'file',
      mode: h.mode ?? 0,
      linkname: h.linkname ?? undefined,
      data: Buffer.concat(chunks),
    });
  }
  return out;
}

/** Why the engine cannot be used (null when it answers a ping within 5 s). */
async function probeDocker(docker: Docker): Promise<string | null> {
  try {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('no answer to ping within 5 s')), 5_000);
    });
    try {
      await Promise.race([docker.ping(), timeout]);
    } finally {
      clearTimeout(timer);
    }
    return null;
  } catch (err) {
    return `Docker engine unreachable (${process.env.DOCKER_HOST ?? '/var/run/docker.sock'}): ${(err as Error).message}`;
  }
}

export interface DockerGate {
  /** Why Docker is unusable, or null when it answered. */
  unreachable: string | null;
  /** Skips the test (with the reason) when Docker is unreachable; fails it instead when CI is set. */
  requireDocker(ctx: TestContext): void;
}

/**
 * Probes the engine once for a test file, so its integration tests skip with the reason on a
 * machine without Docker but fail in CI, where a silent skip would hide a broken setup.
 */
export async function dockerGate(docker: Docker, suite: string): Promise<DockerGate> {
  const unreachable = await probeDocker(docker);
  const CI = !!process.env.CI && process.env.CI !== 'false' && process.env.CI !== '0';
  if (unreachable && !CI) console.warn(`${suite} skipped: ${unreachable}`);
  return {
    unreachable,
    requireDocker(ctx) {
      if (!unreachable) return;
      if (CI) throw new Error(`CI is set, so Docker is required: ${unreachable}`);
      ctx.skip(unreachable);
    },
  };
}

export interface RunOptions {
  /** Value of the container's `netlab.test` label, so a test's leftovers can be told apart. */
  label: string;
  user?: string;
  /** Files put into /tmp (owned by uid 1000) before the container starts. */
  files?: Record<string, string>;
}

/**
 * Runs one command in a fresh container (no network) and returns its exit code and output;
 * the container is removed by id afterwards, so a test never touches containers it did not make.
 */
export async function runContainer(docker: Docker, image: string, cmd: string[], opts: RunOptions): Promise<{ code: number; out: string }> {
  const c = await docker.createContainer({
    Image: image,
    Cmd: cmd,
    Tty: true,
    ...(opts.user ? { User: opts.user } : {}),
    Labels: { 'netlab.test': opts.label },
    HostConfig: { NetworkMode: 'none' },
  });
  try {
    if (opts.files) {
      const pack = tar.pack();
      for (const [name, data] of Object.entries(opts.files)) pack.entry({ name, mode: 0o644, uid: 1000, gid: 1000 }, data);
      pack.finalize();
      await c.putArchive(pack as unknown as NodeJS.ReadableStream, { path: '/tmp' });
    }
    await c.start();
    const res = (await c.wait()) as { StatusCode: number };
    const logs = await c.logs({ stdout: true, stderr: true, follow: false });
    return { code: res.StatusCode, out: logs.toString().replace(/\r/g, '').trim() };
  } finally {
    await docker.getContainer(c.id).remove({ force: true }).catch(() => undefined);
  }
}
