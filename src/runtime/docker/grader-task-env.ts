import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import { basename, join, resolve } from 'node:path';

/**
 * What a grader task of `lab grade --swarm` is told through its environment, and what the
 * docker runtime does differently there. Such a task is netlab inside a container, driving
 * its node's engine through the mounted socket, so:
 * - the images are the ones the controller built on the node (the task cannot build the
 *   grading image: it has no debootstrap, and its node binary differs from the host's);
 * - a file the runtime bind-mounts into a node (the socket shim, libfaketime) must be at a
 *   path the engine's host has: the engine reads bind sources from its own file system, not
 *   the task's, so they are copied to the shared work volume, mounted at the same path in
 *   the task as on the host;
 * - everything the task creates carries its batch's label, so the controller removes what
 *   a killed task left.
 */
export const GRADER_ENV = {
  /** "alias=ref" pairs, space-separated: netlab=netlab/node:<h> grading=netlab/grading:<h>. */
  images: 'NETLAB_PREBUILT_IMAGES',
  /** A folder on the shared volume, at the same path on the host and in the task. */
  bindDir: 'NETLAB_BIND_DIR',
  /** The batch id: a netlab.batch label on every container and network. */
  batch: 'NETLAB_BATCH',
  /** Where the host's /proc is: a task's own /proc has none of the host's pids. */
  hostProc: 'NETLAB_HOST_PROC',
} as const;

/** Where a grader task has the host's /proc, read-only. */
export const HOST_PROC_MOUNT = '/host/proc';

/** The /proc that holds the engine's container pids: the host's, wherever this process sees it. */
export function hostProc(env: NodeJS.ProcessEnv = process.env): string {
  return env[GRADER_ENV.hostProc]?.trim() || '/proc';
}

/** Label on everything a `lab grade --swarm` batch creates: service, volume, and the tasks' labs. */
export const LABEL_BATCH = 'netlab.batch';

/** The images named by NETLAB_PREBUILT_IMAGES, by alias. */
export function prebuiltImages(env: NodeJS.ProcessEnv = process.env): Map<string, string> {
  const out = new Map<string, string>();
  for (const pair of (env[GRADER_ENV.images] ?? '').split(/\s+/).filter(Boolean)) {
    const i = pair.indexOf('=');
    if (i > 0) out.set(pair.slice(0, i), pair.slice(i + 1));
  }
  return out;
}

/** The batch label of this process's labs, when it is a grader task. */
export function batchLabels(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const id = env[GRADER_ENV.batch]?.trim();
  return id ? { [LABEL_BATCH]: id } : {};
}

/**
 * A path the engine can bind from: the file itself, or (in a grader task) a copy in the
 * shared bind folder, named by its content so concurrent tasks write the same file once.
 */
export function hostVisible(path: string, env: NodeJS.ProcessEnv = process.env): string {
  const dir = env[GRADER_ENV.bindDir]?.trim();
  if (!dir) return path;
  const hash = createHash('sha256').update(readFileSync(path)).digest('hex').slice(0, 12);
  const out = join(resolve(dir), `${hash}-${basename(path)}`);
  if (existsSync(out)) return out;
  mkdirSync(dir, { recursive: true });
  // Not the pid for the temporary name: every task is pid 1 in its own namespace, and two
  // tasks copying the same library at once took each other's file (seen in CI: ENOENT on
  // the rename). The rename is atomic, so whichever lands last leaves the same bytes.
  const tmp = `${out}.${randomBytes(6).toString('hex')}.tmp`;
  copyFileSync(path, tmp);
  renameSync(tmp, out);
  return out;
}
