// The on-disk cache of finished root file systems: their markers, stale partial trees of
// dead runs, and removing a tree safely (never across a mount point).
import { spawn } from 'node:child_process';
import { constants as fsConstants } from 'node:fs';
import { access, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ROOTFS_MARKER, RootfsError, type BaseSpec } from './grading-base-spec.js';

// --- the cache and its marker ------------------------------------------------------------

export interface RootfsMarker {
  hash: string;
  spec: BaseSpec;
  mirror: string;
  createdAt: string;
  seconds: number;
}

export function rootfsDir(cacheDir: string, hash8: string): string {
  return path.join(cacheDir, `debootstrap-${hash8}`);
}

/** The marker if `dir` holds a finished tree for `hash8`, else null. */
export async function readRootfsMarker(dir: string, hash8: string): Promise<RootfsMarker | null> {
  try {
    const m = JSON.parse(await readFile(path.join(dir, ROOTFS_MARKER), 'utf8')) as Partial<RootfsMarker>;
    if (!m || m.hash !== hash8 || !m.spec || !Array.isArray(m.spec.packages)) return null;
    // A tree with a marker but without a shell is not one we made (or it was damaged).
    await access(path.join(dir, 'bin/sh'), fsConstants.F_OK);
    return m as RootfsMarker;
  } catch {
    return null;
  }
}

export async function writeRootfsMarker(dir: string, marker: RootfsMarker): Promise<void> {
  const file = path.join(dir, ROOTFS_MARKER);
  const tmp = `${file}.tmp`;
  await writeFile(tmp, JSON.stringify(marker, null, 2) + '\n');
  await rename(tmp, file);
}

/** Mount points at or below `dir` (from /proc/self/mountinfo), deepest first. */
export async function mountsUnder(dir: string, mountinfo?: string): Promise<string[]> {
  let text = mountinfo;
  if (text === undefined) {
    try {
      text = await readFile('/proc/self/mountinfo', 'utf8');
    } catch {
      return [];
    }
  }
  const root = path.resolve(dir);
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const f = line.split(' ');
    if (f.length < 5) continue;
    const mp = f[4].replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
    if (mp === root || mp.startsWith(`${root}/`)) out.push(mp);
  }
  const depth = (p: string) => p.split('/').length;
  return [...new Set(out)].sort((a, b) => depth(b) - depth(a) || b.length - a.length || (a < b ? 1 : -1));
}

/**
 * Removes a (partial) tree. debootstrap mounts /proc and /sys, and inside a container binds
 * /dev nodes, into its target; a recursive delete must never walk into those, so they are
 * unmounted first, and the delete is refused if any remain.
 */
export async function removeTree(dir: string): Promise<void> {
  for (const mp of await mountsUnder(dir)) {
    await run('umount', ['-l', mp]).catch(() => undefined);
  }
  const left = await mountsUnder(dir);
  if (left.length) throw new RootfsError(`not removing ${dir}: still mounted: ${left.join(', ')}`);
  await rm(dir, { recursive: true, force: true });
}

function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: 'ignore' });
    p.on('error', reject);
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} exited with ${code}`))));
  });
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes partial trees for `hash8` left by processes that no longer run. */
export async function removeStalePartials(cacheDir: string, hash8: string, say: (m: string) => void): Promise<void> {
  let names: string[];
  try {
    names = await readdir(cacheDir);
  } catch {
    return;
  }
  const re = new RegExp(`^debootstrap-${hash8}\\.partial-(\\d+)-[0-9a-z]+$`);
  for (const n of names) {
    const m = re.exec(n);
    if (!m || pidAlive(Number(m[1]))) continue;
    say(`removing a partial tree left by process ${m[1]}: ${n}`);
    await removeTree(path.join(cacheDir, n)).catch((e: unknown) => say(`could not remove ${n}: ${(e as Error).message}`));
  }
}

