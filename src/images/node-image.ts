// Builds (or reuses) the lab's node image through the Docker Engine API.
//
// The image tag is a content hash of the build context plus the chosen base, so the common
// case — nothing changed — is one context hash and an inspect or two. When an image must be
// built, the base is the official Node image if it is present locally or can be pulled (one
// attempt, remembered for 24 h when it fails), else a "local base" assembled from this host's
// node binary, its shared libraries and busybox (see local-base.ts), imported via the API.
// Images are built untagged and tagged only after the build succeeded.
import { createHash } from 'node:crypto';
import type Docker from 'dockerode';
import { describe, follow, IMAGE_LABEL, imageBuildSteps, inspectImage, splitRef, type ImageBuildSteps } from './image-build-steps.js';
import { clearPullFailure, PULL_FAILURE_TTL_MS, recentPullFailure, recordPullFailure } from './image-pull-marker.js';
import { gatherLocalBaseInputs, localBaseIdentity, planLocalBase } from './local-base.js';
import { ImageError } from './image-error.js';

/** The preferred base: the official Node image, when present locally or pullable. */
const DEFAULT_OFFICIAL_BASE = 'node:20-bookworm-slim';
/** Where lab images are tagged (`:<hash12>` and `:latest`). */
const LAB_IMAGE_REPOSITORY = 'netlab/node';
/** Where the imported local base is tagged (`:node<version>-<hash8>`). */
const LOCAL_BASE_REPOSITORY = 'netlab/base';
/** How long the one pull attempt may take before the local base is used instead. */
const DEFAULT_PULL_TIMEOUT_MS = 20_000;
// The engine helpers moved to image-build-steps.ts (shared with grading-image.ts); re-exported
// so existing importers of this module keep working.

/** What ensureLabImage builds from and where it reports; everything but the project root has a default. */
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

/** The lab image ensureLabImage settled on, and whether it had to be built. */
export interface BuiltImage {
  tag: string;
  base: string;
  reused: boolean;
  baseKind: 'official' | 'local';
  ms: number;
}

/** The lab image's error: every failure of ensureLabImage, with the step that failed. */
export class ImageBuildError extends ImageError {}

function labTagFor(repository: string, contextHash: string, baseDescriptor: string): string {
  const h = createHash('sha256').update(`${contextHash}\0${baseDescriptor}`).digest('hex');
  return `${repository}:${h.slice(0, 12)}`;
}

function officialDescriptor(ref: string, info: Docker.ImageInspectInfo): string {
  return `official\0${ref}\0${info.Id}`;
}

/** The lab's node image for this context and base: reused when its tag exists, else built. */
export async function ensureLabImage(docker: Docker, opts: ImageBuildOptions): Promise<BuiltImage> {
  const steps = imageBuildSteps(docker, { error: ImageBuildError, onProgress: opts.onProgress, signal: opts.signal });
  const { say, elapsed, step } = steps;
  const officialBase = opts.officialBase ?? DEFAULT_OFFICIAL_BASE;
  const pullMode: 'auto' | 'never' = process.env.NETLAB_PULL === 'never' ? 'never' : (opts.pull ?? 'auto');
  const repository = opts.repository ?? LAB_IMAGE_REPOSITORY;
  const baseRepository = opts.baseRepository ?? LOCAL_BASE_REPOSITORY;
  const latest = `${repository}:latest`;

  steps.checkAborted('lab image');
  const ctx = await steps.readContext(opts.projectRoot);
  steps.noteIfNoApps(opts.projectRoot, ctx.entries);

  const reuse = async (tag: string, info: Docker.ImageInspectInfo, base: string, baseKind: 'official' | 'local'): Promise<BuiltImage> => {
    await steps.reuse(tag, info, latest, base);
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
    base = await ensureLocalBase(docker, steps, localBaseTag, identity.version);
    baseKind = 'local';
  }

  // 3. Build the Dockerfile on that base, untagged; tag only after success.
  const tag = labTagFor(repository, ctx.hash, baseKind === 'official' ? officialDescriptor(base, official!) : `local\0${base}`);
  steps.checkAborted(`building ${tag}`);
  say(`building ${tag} from ${base} (${ctx.entries.filter((e) => e.kind === 'file').length} context files)`);
  const options: Docker.ImageBuildOptions = {
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
  };
  await steps.buildTagged(`building ${tag} from ${base}`, ctx, options, [tag, latest]);
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
async function ensureLocalBase(docker: Docker, steps: ImageBuildSteps, baseTag: string, nodeVersion: string): Promise<string> {
  const { say, step } = steps;
  if (await step(`inspecting ${baseTag}`, () => inspectImage(docker, baseTag))) {
    say(`using local base ${baseTag}`);
    return baseTag;
  }
  steps.checkAborted(`creating local base ${baseTag}`);
  const inputs = await step('collecting host files for the local base', () => gatherLocalBaseInputs());
  const entries = planLocalBase(inputs);
  const bytes = entries.reduce((n, e) => n + (e.kind === 'file' ? e.size : 0), 0);
  say(
    `creating local base ${baseTag}: node ${process.version}, ${inputs.libs.length} libraries, ` +
      `${inputs.busybox ? `busybox with ${inputs.applets.length} applets` : 'no busybox'} (${Math.round(bytes / 1048576)} MiB)`,
  );
  const [hash8] = baseTag.split('-').slice(-1);
  const changes = [
    `LABEL ${IMAGE_LABEL}=base netlab.node-version=${nodeVersion} netlab.base-hash=${hash8}`,
    'ENV PATH=/usr/local/bin:/usr/local/sbin:/usr/bin:/usr/sbin:/bin:/sbin',
    'CMD ["/bin/sh"]',
  ];
  await steps.importTagged(`importing local base ${baseTag}`, baseTag, entries, changes, 'netlab local base');
  say(`imported local base ${baseTag}`);
  return baseTag;
}
