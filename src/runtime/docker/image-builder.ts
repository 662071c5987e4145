// Builds (or reuses) the lab's node image through the Docker Engine API.
//
// The image tag is a content hash of the build context plus the chosen base, so the common
// case — nothing changed — is one context hash and an inspect or two. When an image must be
// built, the base is the official Node image if it is present locally or can be pulled (one
// attempt, remembered for 24 h when it fails), else a "local base" assembled from this host's
// node binary, its shared libraries and busybox (see local-base.ts), imported via the API.
// Images are built untagged and tagged only after the build succeeded.
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type Docker from 'dockerode';
import { collectContext, ContextError, packContext } from './image-context.js';
import { clearPullFailure, PULL_FAILURE_TTL_MS, recentPullFailure, recordPullFailure } from './image-pull-marker.js';
import { gatherLocalBaseInputs, localBaseIdentity, packLocalBase, planLocalBase } from './local-base.js';

export const DEFAULT_OFFICIAL_BASE = 'node:20-bookworm-slim';
export const LAB_IMAGE_REPOSITORY = 'netlab/node';
export const LOCAL_BASE_REPOSITORY = 'netlab/base';
export const DEFAULT_PULL_TIMEOUT_MS = 20_000;
export const IMAGE_LABEL = 'netlab.image';

export interface ImageBuildOptions {
  projectRoot: string; // repo root holding Dockerfile, package.json, bin/, dist/apps/
  officialBase?: string; // default 'node:20-bookworm-slim'
  pull?: 'auto' | 'never'; // default 'auto'; env NETLAB_PULL=never forces never
  onProgress?: (message: string) => void; // human-readable progress lines
  signal?: AbortSignal;
  /** Repository for the lab image; default 'netlab/node' (tests use a throwaway namespace). */
  repository?: string;
  /** Repository for the imported local base; default 'netlab/base'. */
  baseRepository?: string;
  /** Overall limit for the one pull attempt; default 20 s. */
  pullTimeoutMs?: number;
}

export interface BuiltImage {
  tag: string;
  base: string;
  reused: boolean;
  baseKind: 'official' | 'local';
  ms: number;
}

export class ImageBuildError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ImageBuildError';
  }
}

export interface ProgressEvent {
  stream?: string;
  status?: string;
  id?: string;
  progress?: string;
  error?: string;
  errorDetail?: { message?: string };
  aux?: { ID?: string };
}

export function describe(err: unknown): string {
  if (err instanceof Error) {
    const e = err as Error & { statusCode?: number; json?: { message?: string }; code?: string };
    if (e.json && typeof e.json.message === 'string') return `${e.json.message} (HTTP ${e.statusCode ?? '?'})`;
    if (e.code === 'ECONNREFUSED' || e.code === 'ENOENT' || e.code === 'EACCES') {
      return `Docker engine unreachable (${e.code}): ${e.message}`;
    }
    return e.message;
  }
  return String(err);
}

async function step<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof ImageBuildError) throw err;
    throw new ImageBuildError(`${what}: ${describe(err)}`, { cause: err });
  }
}

function checkAborted(signal: AbortSignal | undefined, what: string): void {
  if (signal?.aborted) throw new ImageBuildError(`${what}: aborted`, { cause: signal.reason });
}

export function splitRef(ref: string): { repo: string; tag: string } {
  const at = ref.lastIndexOf(':');
  if (at > ref.lastIndexOf('/')) return { repo: ref.slice(0, at), tag: ref.slice(at + 1) };
  return { repo: ref, tag: 'latest' };
}

export async function inspectImage(docker: Docker, ref: string): Promise<Docker.ImageInspectInfo | null> {
  try {
    return await docker.getImage(ref).inspect();
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return null;
    throw err;
  }
}

export async function tagImage(docker: Docker, id: string, ref: string): Promise<void> {
  const { repo, tag } = splitRef(ref);
  await docker.getImage(id).tag({ repo, tag });
}

/** Follows a JSON progress stream with docker.modem.followProgress; error events reject. */
export function follow(
  docker: Docker,
  stream: NodeJS.ReadableStream,
  onEvent: (ev: ProgressEvent) => void,
  signal?: AbortSignal,
): Promise<ProgressEvent[]> {
  return new Promise((resolve, reject) => {
    let done = false;
    let eventError: Error | null = null;
    const finish = (err: Error | null, out?: ProgressEvent[]) => {
      if (done) return;
      done = true;
      signal?.removeEventListener('abort', onAbort);
      if (err) reject(err);
      else resolve(out ?? []);
    };
    const onAbort = () => {
      (stream as Readable).destroy?.();
      finish(new Error('aborted'));
    };
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    docker.modem.followProgress(
      stream,
      (err: Error | null, out: ProgressEvent[]) => finish(err ?? eventError, out),
      (ev: ProgressEvent) => {
        if (ev.error || ev.errorDetail?.message) {
          eventError ??= new Error(ev.errorDetail?.message || ev.error || 'unknown error');
        }
        try {
          onEvent(ev);
        } catch {
          // a faulty progress listener must not break the build
        }
      },
    );
  });
}

function labTagFor(repository: string, contextHash: string, baseDescriptor: string): string {
  const h = createHash('sha256').update(`${contextHash}\0${baseDescriptor}`).digest('hex');
  return `${repository}:${h.slice(0, 12)}`;
}

function officialDescriptor(ref: string, info: Docker.ImageInspectInfo): string {
  return `official\0${ref}\0${info.Id}`;
}

export async function ensureLabImage(docker: Docker, opts: ImageBuildOptions): Promise<BuiltImage> {
  const t0 = performance.now();
  const elapsed = () => Math.round(performance.now() - t0);
  const say = (m: string) => {
    try {
      opts.onProgress?.(m);
    } catch {
      // ignore listener errors
    }
  };
  const signal = opts.signal;
  const officialBase = opts.officialBase ?? DEFAULT_OFFICIAL_BASE;
  const pullMode: 'auto' | 'never' = process.env.NETLAB_PULL === 'never' ? 'never' : (opts.pull ?? 'auto');
  const repository = opts.repository ?? LAB_IMAGE_REPOSITORY;
  const baseRepository = opts.baseRepository ?? LOCAL_BASE_REPOSITORY;

  checkAborted(signal, 'lab image');
  const ctx = await step(`reading build context in ${opts.projectRoot}`, async () => {
    try {
      return await collectContext(opts.projectRoot);
    } catch (err) {
      if (err instanceof ContextError) throw new ImageBuildError(`build context: ${err.message}`, { cause: err });
      throw err;
    }
  });

  if (!ctx.entries.some((e) => e.kind === 'file' && e.rel.startsWith('dist/apps/'))) {
    say(`note: ${opts.projectRoot}/dist/apps has no files (run \`npm run build\` first); building without the apps`);
  }

  const reuse = async (tag: string, info: Docker.ImageInspectInfo, base: string, baseKind: 'official' | 'local'): Promise<BuiltImage> => {
    const latest = `${repository}:latest`;
    const cur = await step(`inspecting ${latest}`, () => inspectImage(docker, latest));
    if (!cur || cur.Id !== info.Id) await step(`tagging ${latest}`, () => tagImage(docker, info.Id, latest));
    say(`reusing ${tag} (base ${base})`);
    return { tag, base, reused: true, baseKind, ms: elapsed() };
  };

  // 1. Fast path: the image for this context and base already exists.
  let official = await step(`inspecting ${officialBase}`, () => inspectImage(docker, officialBase));
  const identity = await step('identifying the local base', () => localBaseIdentity());
  const localBaseTag = `${baseRepository}:node${identity.version}-${identity.hash8}`;
  if (official) {
    const tag = labTagFor(repository, ctx.hash, officialDescriptor(officialBase, official));
    const have = await step(`inspecting ${tag}`, () => inspectImage(docker, tag));
    if (have) return reuse(tag, have, officialBase, 'official');
  } else {
    const tag = labTagFor(repository, ctx.hash, `local\0${localBaseTag}`);
    const have = await step(`inspecting ${tag}`, () => inspectImage(docker, tag));
    // Preferred over a fresh pull: this machine may not reach a registry at all.
    if (have) return reuse(tag, have, localBaseTag, 'local');
  }

  // 2. Choose the base.
  let base: string;
  let baseKind: 'official' | 'local';
  if (!official && pullMode === 'auto') {
    const failed = await recentPullFailure(opts.projectRoot, officialBase);
    if (failed) {
      const until = new Date(Date.parse(failed.at) + PULL_FAILURE_TTL_MS).toISOString();
      say(`not pulling ${officialBase}: a pull failed at ${failed.at} (${failed.error}); next attempt after ${until}`);
    } else {
      official = await tryPull(docker, officialBase, opts, say);
    }
  } else if (!official) {
    say(`${officialBase} is not present locally and pulling is disabled`);
  }
  if (official) {
    base = officialBase;
    baseKind = 'official';
    const tag = labTagFor(repository, ctx.hash, officialDescriptor(officialBase, official));
    const have = await step(`inspecting ${tag}`, () => inspectImage(docker, tag));
    if (have) return reuse(tag, have, officialBase, 'official');
  } else {
    base = await ensureLocalBase(docker, localBaseTag, identity.version, say, signal);
    baseKind = 'local';
  }

  // 3. Build the Dockerfile on that base, untagged; tag only after success.
  const tag = labTagFor(repository, ctx.hash, baseKind === 'official' ? officialDescriptor(base, official!) : `local\0${base}`);
  checkAborted(signal, `building ${tag}`);
  say(`building ${tag} from ${base} (${ctx.entries.filter((e) => e.kind === 'file').length} context files)`);
  const imageId = await step(`building ${tag} from ${base}`, async () => {
    const stream = await docker.buildImage(packContext(ctx), {
      buildargs: { BASE: base },
      labels: {
        [IMAGE_LABEL]: 'node',
        'netlab.context-hash': ctx.hash,
        'netlab.base': base,
        'netlab.base-kind': baseKind,
      },
      rm: true,
      forcerm: true,
      version: '1',
      abortSignal: signal,
    });
    let id: string | undefined;
    await follow(
      docker,
      stream,
      (ev) => {
        if (ev.aux?.ID) id = ev.aux.ID;
        const line = (ev.stream ?? '').trimEnd();
        if (line.trim()) say(line.trim());
        const m = /^Successfully built ([0-9a-f]{12,64})/.exec(line.trim());
        if (m && !id) id = m[1];
      },
      signal,
    );
    if (!id) throw new Error('the engine reported no image id');
    return id;
  });
  await step(`tagging ${tag}`, async () => {
    await tagImage(docker, imageId, tag);
    await tagImage(docker, imageId, `${repository}:latest`);
  });
  say(`built ${tag} in ${elapsed()} ms`);
  return { tag, base, reused: false, baseKind, ms: elapsed() };
}

/** One pull attempt with an overall timeout; a failure is remembered for 24 h. */
async function tryPull(
  docker: Docker,
  ref: string,
  opts: ImageBuildOptions,
  say: (m: string) => void,
): Promise<Docker.ImageInspectInfo | null> {
  const timeoutMs = opts.pullTimeoutMs ?? DEFAULT_PULL_TIMEOUT_MS;
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
  const signal = opts.signal ? AbortSignal.any([opts.signal, timeout.signal]) : timeout.signal;
  say(`pulling ${ref} (at most ${Math.round(timeoutMs / 1000)} s)`);
  const t0 = performance.now();
  try {
    const { repo, tag } = splitRef(ref);
    const stream = await docker.pull(`${repo}:${tag}`, { abortSignal: signal });
    let last = '';
    await follow(
      docker,
      stream,
      (ev) => {
        if (!ev.status || ev.progress) return;
        const line = ev.id ? `${ev.id}: ${ev.status}` : ev.status;
        if (line !== last) say(line);
        last = line;
      },
      signal,
    );
    const info = await inspectImage(docker, ref);
    if (!info) throw new Error('the pull finished but the image is not present');
    await clearPullFailure(opts.projectRoot, ref).catch(() => undefined);
    say(`pulled ${ref} in ${Math.round(performance.now() - t0)} ms`);
    return info;
  } catch (err) {
    if (opts.signal?.aborted) throw new ImageBuildError(`pulling ${ref}: aborted`, { cause: err });
    const why = timeout.signal.aborted ? `timed out after ${timeoutMs} ms` : describe(err);
    say(`pull of ${ref} failed after ${Math.round(performance.now() - t0)} ms: ${why}; using a local base (no retry for 24 h)`);
    await recordPullFailure(opts.projectRoot, ref, why).catch((e: unknown) => say(`could not record the failed pull: ${describe(e)}`));
    return null;
  } finally {
    clearTimeout(timer);
  }
}

/** Imports the local base image unless it exists; returns its tag. */
async function ensureLocalBase(
  docker: Docker,
  baseTag: string,
  nodeVersion: string,
  say: (m: string) => void,
  signal?: AbortSignal,
): Promise<string> {
  if (await step(`inspecting ${baseTag}`, () => inspectImage(docker, baseTag))) {
    say(`using local base ${baseTag}`);
    return baseTag;
  }
  checkAborted(signal, `creating local base ${baseTag}`);
  const inputs = await step('collecting host files for the local base', () => gatherLocalBaseInputs());
  const entries = planLocalBase(inputs);
  const bytes = entries.reduce((n, e) => n + (e.kind === 'file' ? e.size : 0), 0);
  say(
    `creating local base ${baseTag}: node ${process.version}, ${inputs.libs.length} libraries, ` +
      `${inputs.busybox ? `busybox with ${inputs.applets.length} applets` : 'no busybox'} (${Math.round(bytes / 1048576)} MiB)`,
  );
  const [hash8] = baseTag.split('-').slice(-1);
  const id = await step(`importing local base ${baseTag}`, async () => {
    // Abort the upload if reading a host file fails, so the engine never commits a partial layer.
    const local = new AbortController();
    const abortSignal = signal ? AbortSignal.any([signal, local.signal]) : local.signal;
    const tarStream = packLocalBase(entries);
    let packError: Error | null = null;
    tarStream.on('error', (err: Error) => {
      packError = err;
      local.abort(err);
    });
    const changes = [
      `LABEL ${IMAGE_LABEL}=base netlab.node-version=${nodeVersion} netlab.base-hash=${hash8}`,
      'ENV PATH=/usr/local/bin:/usr/local/sbin:/usr/bin:/usr/sbin:/bin:/sbin',
      'CMD ["/bin/sh"]',
    ];
    const res = await docker.importImage(tarStream, { changes, message: 'netlab local base', abortSignal } as {});
    let id: string | undefined;
    try {
      await follow(
        docker,
        res,
        (ev) => {
          if (ev.status && /^sha256:[0-9a-f]{64}$/.test(ev.status.trim())) id = ev.status.trim();
        },
        signal,
      );
    } catch (err) {
      throw packError ?? err;
    }
    if (packError) throw packError;
    if (!id) throw new Error('the engine reported no image id');
    return id;
  });
  await step(`tagging ${baseTag}`, () => tagImage(docker, id, baseTag));
  say(`imported local base ${baseTag}`);
  return baseTag;
}
