// The grading image's root file system: Debian (bookworm, variant minbase) made with
// debootstrap from the Debian mirror this machine's apt already uses, cached on disk and
// reused. No container registry is involved: grading-image.ts imports the tree through the
// Engine API (packLocalBase streams it) and builds the grading image on top.
//
// Cache layout (cacheDir defaults to <projectRoot>/.netlab/cache):
//   debootstrap-<hash8>/                 the finished tree; complete iff it holds ROOTFS_MARKER
//   debootstrap-<hash8>.partial-<pid>-<r>/  a tree being made; renamed into place when finished
//   debootstrap-<hash8>.failed.log       debootstrap's own log of the last failed attempt
// The marker is written last, then the directory is renamed atomically, so a crash or a
// concurrent run never leaves a half-made tree that looks complete.
import { spawn } from 'node:child_process';
import { copyFile, lstat, mkdir, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { findDebianMirror, type AptSource } from './apt-sources.js';
import { debootstrapArgs, debootstrapProgress, findDebootstrap } from './debootstrap.js';
import { gradingBaseHash, gradingBaseSpec, RootfsError, type BaseSpec } from './grading-base-spec.js';
import { readRootfsMarker, removeStalePartials, removeTree, rootfsDir, writeRootfsMarker, type RootfsMarker } from './rootfs-cache.js';

export * from './apt-sources.js';
export * from './debootstrap.js';
export * from './grading-base-spec.js';
export * from './rootfs-cache.js';
export { planRootfs } from './rootfs-tree.js';

export interface EnsureRootfsOptions {
  cacheDir: string;
  spec?: BaseSpec;
  /** Mirror to use; default: the one apt is configured with (or NETLAB_DEBIAN_MIRROR). */
  mirror?: AptSource;
  say?: (m: string) => void;
  signal?: AbortSignal;
}

/** Returns the finished tree for the spec, running debootstrap when it is not cached. */
export async function ensureRootfs(opts: EnsureRootfsOptions): Promise<{ dir: string; hash: string; reused: boolean; marker: RootfsMarker }> {
  const say = opts.say ?? (() => undefined);
  const spec = opts.spec ?? gradingBaseSpec();
  const hash = gradingBaseHash(spec);
  const dir = rootfsDir(opts.cacheDir, hash);
  const have = await readRootfsMarker(dir, hash);
  if (have) {
    say(`using cached root file system ${dir} (made ${have.createdAt})`);
    return { dir, hash, reused: true, marker: have };
  }

  const debootstrap = await findDebootstrap();
  if (!debootstrap) throw new RootfsError('debootstrap is not installed (apt-get install -y debootstrap)');
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    throw new RootfsError(`debootstrap must run as root to make ${dir} (uid ${process.getuid()})`);
  }
  let mirror = opts.mirror;
  if (!mirror) {
    const env = process.env.NETLAB_DEBIAN_MIRROR?.trim();
    mirror = env ? { uri: env, suites: [spec.suite], components: ['main'], file: 'NETLAB_DEBIAN_MIRROR' } : await findDebianMirror('/etc/apt', spec.suite);
  }

  await mkdir(opts.cacheDir, { recursive: true });
  await removeStalePartials(opts.cacheDir, hash, say);
  // An unfinished tree at the final path (no marker: an older crash or a copy) is remade.
  try {
    await lstat(dir);
    say(`${dir} has no completion marker; making it again`);
    await removeTree(dir);
  } catch (err) {
    if (err instanceof RootfsError) throw err;
  }

  const partial = `${dir}.partial-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const args = debootstrapArgs(spec, partial, mirror);
  say(`debootstrap ${spec.suite} (${spec.variant}, ${spec.arch}) from ${mirror.uri} with ${spec.packages.join(' ')}; this takes minutes`);
  const t0 = performance.now();
  const tail: string[] = [];
  const progress = debootstrapProgress(say);
  try {
    await new Promise<void>((resolve, reject) => {
      if (opts.signal?.aborted) return reject(new RootfsError('debootstrap: aborted', { cause: opts.signal.reason }));
      const child = spawn(debootstrap, args, {
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true, // its own process group, so an abort stops dpkg and friends too
        env: {
          ...process.env,
          LC_ALL: 'C',
          DEBIAN_FRONTEND: 'noninteractive',
          PATH: `/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`,
        },
      });
      let aborted = false;
      const onAbort = () => {
        aborted = true;
        try {
          process.kill(-child.pid!, 'SIGTERM');
        } catch {
          // already gone
        }
      };
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      const feed = (stream: NodeJS.ReadableStream) => {
        let buf = '';
        stream.setEncoding('utf8');
        stream.on('data', (chunk: string) => {
          buf += chunk;
          let nl: number;
          while ((nl = buf.indexOf('\n')) >= 0) {
            const line = buf.slice(0, nl);
            buf = buf.slice(nl + 1);
            tail.push(line);
            if (tail.length > 30) tail.shift();
            try {
              progress(line);
            } catch {
              // a faulty listener must not break the build
            }
          }
        });
      };
      feed(child.stdout!);
      feed(child.stderr!);
      child.on('error', (err) => {
        opts.signal?.removeEventListener('abort', onAbort);
        reject(new RootfsError(`debootstrap could not start: ${err.message}`, { cause: err }));
      });
      child.on('close', (code, sig) => {
        opts.signal?.removeEventListener('abort', onAbort);
        if (aborted) return reject(new RootfsError('debootstrap: aborted', { cause: opts.signal?.reason }));
        if (code === 0) return resolve();
        reject(new RootfsError(`debootstrap failed (${sig ?? `exit ${code}`}); last lines:\n${tail.join('\n')}`));
      });
    });
    // The downloaded .debs (about 200 MB) are not packed; do not keep them in the cache either.
    const archives = path.join(partial, 'var/cache/apt/archives');
    for (const n of await readdir(archives).catch(() => [] as string[])) {
      if (n.endsWith('.deb')) await rm(path.join(archives, n), { force: true });
    }
    const seconds = Math.round((performance.now() - t0) / 100) / 10;
    // The marker last: only a tree debootstrap finished carries it.
    const marker: RootfsMarker = { hash, spec, mirror: mirror.uri, createdAt: new Date().toISOString(), seconds };
    await writeRootfsMarker(partial, marker);
    try {
      await rename(partial, dir);
    } catch (err) {
      // A concurrent run finished first: use its tree, drop ours.
      const other = await readRootfsMarker(dir, hash);
      if (!other) throw err;
      await removeTree(partial);
      return { dir, hash, reused: true, marker: other };
    }
    say(`debootstrap finished in ${seconds} s: ${dir}`);
    return { dir, hash, reused: false, marker };
  } catch (err) {
    // Keep debootstrap's own log for diagnosis, then drop the partial tree.
    await copyFile(path.join(partial, 'debootstrap/debootstrap.log'), `${dir}.failed.log`).catch(() => undefined);
    await removeTree(partial).catch((e: unknown) => say(`could not remove ${partial}: ${(e as Error).message}`));
    throw err instanceof RootfsError ? err : new RootfsError(`making ${dir}: ${(err as Error).message}`, { cause: err });
  }
}

