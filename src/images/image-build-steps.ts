// The steps both image builders share (the lab's node image in image-builder.ts and the
// grading image in grading-image.ts): reading the build context, reusing an image whose tag
// exists, building a context through the Engine API while following its progress, importing a
// root file system as a base image, and tagging only after success. Every step's failure is
// wrapped in the builder's own error class, with what was being done, so callers (and the CLI's
// exit codes) see one error type per builder.
//
// Nothing here decides what an image is called: tags, labels and Dockerfiles stay with each
// builder, so the tags (content hashes) are computed exactly where they were.
import type { Readable } from 'node:stream';
import type Docker from 'dockerode';
import { collectContext, ContextError, packContext, type BuildContext, type ContextEntry } from './image-context.js';
import { packLocalBase, type BaseEntry } from './local-base.js';

/** Label every netlab image carries (node, base, grading, grading-base), so they can be found. */
export const IMAGE_LABEL = 'netlab.image';

/** One event of the engine's JSON progress stream (build, pull and import alike). */
export interface ProgressEvent {
  stream?: string;
  status?: string;
  id?: string;
  progress?: string;
  error?: string;
  errorDetail?: { message?: string };
  aux?: { ID?: string };
}

/** A one-line reason for an engine or I/O error: the engine's own message when it sent one. */
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

/** Splits `repo[:tag]` (a registry port is not a tag), because the API tags by repo and tag. */
export function splitRef(ref: string): { repo: string; tag: string } {
  const at = ref.lastIndexOf(':');
  if (at > ref.lastIndexOf('/')) return { repo: ref.slice(0, at), tag: ref.slice(at + 1) };
  return { repo: ref, tag: 'latest' };
}

/** The image's inspect data, or null when it does not exist (the reuse check of every step). */
export async function inspectImage(docker: Docker, ref: string): Promise<Docker.ImageInspectInfo | null> {
  try {
    return await docker.getImage(ref).inspect();
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return null;
    throw err;
  }
}

/** Tags an image id as `ref`; images are built untagged and get their tags only through this. */
async function tagImage(docker: Docker, id: string, ref: string): Promise<void> {
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

export interface ImageBuildStepsOptions {
  /** The builder's error class: every failure of a step is (or is wrapped into) one of these. */
  error: new (message: string, options?: { cause?: unknown }) => Error;
  onProgress?: (message: string) => void;
  signal?: AbortSignal;
}

/** What a builder does through the engine, with its error class, progress and signal bound. */
export interface ImageBuildSteps {
  /** The caller's abort signal, for work done outside these steps (debootstrap, a pull). */
  readonly signal?: AbortSignal;
  /** Reports a progress line; a throwing listener is ignored. */
  say(message: string): void;
  /** Milliseconds since the steps were made (the start of the builder's call). */
  elapsed(): number;
  /** Runs `fn`; a failure becomes the builder's error, prefixed with `what`. */
  step<T>(what: string, fn: () => Promise<T>): Promise<T>;
  /** Throws the builder's error when the signal has fired. */
  checkAborted(what: string): void;
  /** The lab's build context (Dockerfile, package.json, bin/, dist/apps/) and its hash. */
  readContext(projectRoot: string): Promise<BuildContext>;
  /** Says so when the context has no app files: the image would hold no apps (build not run). */
  noteIfNoApps(projectRoot: string, entries: readonly ContextEntry[]): void;
  /** Reuse of an existing image: points `latest` at it when it does not already, and says so. */
  reuse(tag: string, info: Docker.ImageInspectInfo, latest: string, base: string): Promise<void>;
  /** Builds `context` untagged, then tags the image as each of `tags` (the first is the one named). */
  buildTagged(what: string, context: BuildContext, options: Docker.ImageBuildOptions, tags: readonly string[]): Promise<void>;
  /** Streams `entries` as a tar into the engine's import, then tags the image as `tag`. */
  importTagged(what: string, tag: string, entries: readonly BaseEntry[], changes: string[], message: string): Promise<void>;
}

/**
 * Binds the shared steps to one builder call, so the lab image and the grading image build,
 * import, tag and reuse the same way and differ only in what they build.
 */
export function imageBuildSteps(docker: Docker, opts: ImageBuildStepsOptions): ImageBuildSteps {
  const t0 = performance.now();
  const { error: ErrorClass, signal } = opts;
  const say = (m: string) => {
    try {
      opts.onProgress?.(m);
    } catch {
      // ignore listener errors
    }
  };
  const step = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof ErrorClass) throw err;
      throw new ErrorClass(`${what}: ${describe(err)}`, { cause: err });
    }
  };
  return {
    signal,
    say,
    elapsed: () => Math.round(performance.now() - t0),
    step,
    checkAborted(what) {
      if (signal?.aborted) throw new ErrorClass(`${what}: aborted`, { cause: signal.reason });
    },
    readContext(projectRoot) {
      return step(`reading build context in ${projectRoot}`, async () => {
        try {
          return await collectContext(projectRoot);
        } catch (err) {
          if (err instanceof ContextError) throw new ErrorClass(`build context: ${err.message}`, { cause: err });
          throw err;
        }
      });
    },
    noteIfNoApps(projectRoot, entries) {
      if (!entries.some((e) => e.kind === 'file' && e.rel.startsWith('dist/apps/'))) {
        say(`note: ${projectRoot}/dist/apps has no files (run \`npm run build\` first); building without the apps`);
      }
    },
    async reuse(tag, info, latest, base) {
      const cur = await step(`inspecting ${latest}`, () => inspectImage(docker, latest));
      if (!cur || cur.Id !== info.Id) await step(`tagging ${latest}`, () => tagImage(docker, info.Id, latest));
      say(`reusing ${tag} (base ${base})`);
    },
    async buildTagged(what, context, options, tags) {
      const imageId = await step(what, async () => {
        const stream = await docker.buildImage(packContext(context), { ...options, abortSignal: signal });
        let id: string | undefined;
        await follow(
          docker,
          stream,
          (ev) => {
            if (ev.aux?.ID) id = ev.aux.ID;
            const line = (ev.stream ?? '').trim();
            if (line) say(line);
            const m = /^Successfully built ([0-9a-f]{12,64})/.exec(line);
            if (m && !id) id = m[1];
          },
          signal,
        );
        if (!id) throw new Error('the engine reported no image id');
        return id;
      });
      await step(`tagging ${tags[0]}`, async () => {
        for (const t of tags) await tagImage(docker, imageId, t);
      });
    },
    async importTagged(what, tag, entries, changes, message) {
      const id = await step(what, async () => {
        // Abort the upload if reading a file fails, so the engine never commits a partial layer.
        const local = new AbortController();
        const abortSignal = signal ? AbortSignal.any([signal, local.signal]) : local.signal;
        const tarStream = packLocalBase(entries);
        let packError: Error | null = null;
        tarStream.on('error', (err: Error) => {
          packError = err;
          local.abort(err);
        });
        const res = await docker.importImage(tarStream, { changes, message, abortSignal } as object);
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
      await step(`tagging ${tag}`, () => tagImage(docker, id, tag));
    },
  };
}
