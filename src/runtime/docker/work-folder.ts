import { chmodSync, chownSync, lstatSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import type { CollectFailure } from '../runtime.js';
import { nodeFiles } from '../../model/run-paths.js';

/**
 * A node's working folder as a folder on this machine, bind-mounted at /lab, for the nodes
 * of an `isolation: scenario` lab (made fresh at every scenario). The engine's archive API
 * (docker cp) runs a copy of dockerd for every call, about 60 ms of CPU each (measured on
 * Docker 20.10): with ~50 incarnations a graded submission spent 6 of its 24 CPU-seconds
 * placing and collecting folders. Here placing is a few writes and keeping the evidence a
 * rename.
 *
 * Safety: the lab reads such a folder only when no process of the node is alive (its
 * container has exited), so nothing can swap a path under the walk; the walk never follows
 * a symbolic link, and what is not a regular file or folder is removed, not kept.
 */

/** Whether the engine reads bind sources from this machine's file system (its socket is local). */
export function engineSharesFiles(env: NodeJS.ProcessEnv = process.env): boolean {
  const host = env.DOCKER_HOST?.trim();
  return !host || host.startsWith('unix://');
}

/** The owner of what the lab places (the grading image's unprivileged user, as filesTar has it). */
const OWNER = 1000;

/**
 * Make dir holding the files, owned by the node's user, ready to bind-mount; returns the
 * bytes placed. keepDir: dir is mounted already (a warm node), so what it holds is removed
 * and the folder itself stays.
 */
export function placeWorkFolder(dir: string, files: readonly { path: string; content: Buffer; mode: number }[], keepDir = false): number {
  if (keepDir) emptyFolder(dir);
  else removeTree(dir);
  const made = new Set<string>();
  const mkdir = (d: string) => {
    if (made.has(d)) return;
    if (d !== dir) mkdir(dirname(d));
    mkdirSync(d, { recursive: true, mode: 0o755 });
    chownSync(d, OWNER, OWNER);
    made.add(d);
  };
  mkdir(dir);
  let bytes = 0;
  for (const f of files) {
    const target = join(dir, f.path);
    mkdir(dirname(target));
    writeFileSync(target, f.content, { mode: f.mode });
    chmodSync(target, f.mode & 0o777);
    chownSync(target, OWNER, OWNER);
    bytes += f.content.length;
  }
  return bytes;
}

/** What a folder holds in bytes (apparent sizes, each inode once), never following a link. */
export function folderSize(dir: string): number {
  const seen = new Set<number>();
  let total = 0;
  const walk = (d: string) => {
    let entries;
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) {
        try {
          const st = lstatSync(p);
          if (!seen.has(st.ino)) total += st.size;
          seen.add(st.ino);
        } catch {
          // gone between the listing and the look: nothing to count
        }
      }
    }
  };
  walk(dir);
  return total;
}

/** The longest folder path the walk enters: a name (at most 255 bytes) more stays under PATH_MAX (4096). */
const DEEPEST = 3500;

/**
 * Keep a node's folder as evidence at dest, by a rename: its container has exited and the
 * folder is not used again. Symbolic links and special files are removed from what is
 * kept, set-id bits dropped, and files past the cap (bytes of data, holes not counted) left
 * out; each is returned with the reason, as the archive collection does. Hard links and
 * holes stay as they are. keepDir: src stays (empty), for a folder that is still mounted.
 */
export function keepWorkFolder(src: string, dest: string, capBytes: number, keepDir = false): CollectFailure[] {
  const failures: CollectFailure[] = [];
  let total = 0;
  const seen = new Set<number>();
  const visit = (dir: string, rel: string) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch (e) {
      failures.push({ path: rel || '.', reason: (e as NodeJS.ErrnoException).code ?? (e as Error).message });
      return;
    }
    for (const e of entries) {
      const p = join(dir, e.name);
      const r = rel ? `${rel}/${e.name}` : e.name;
      try {
        if (e.isDirectory()) {
          // Deeper than a path the host can name: not kept (rm still removes it, by handles).
          if (p.length > DEEPEST) throw Object.assign(new Error('path too long'), { code: 'ENAMETOOLONG' });
          chmodSync(p, lstatSync(p).mode & 0o777);
          visit(p, r);
        } else if (e.isFile()) {
          const st = lstatSync(p);
          const data = seen.has(st.ino) ? 0 : Math.min(st.size, st.blocks * 512);
          if (total + data > capBytes) throw new Error(`over the collection cap of ${capBytes} bytes (data, holes not counted)`);
          total += data;
          seen.add(st.ino);
          chmodSync(p, st.mode & 0o777);
        } else {
          throw new Error(e.isSymbolicLink() ? 'a symbolic link, not collected' : 'not a regular file, not collected');
        }
      } catch (err) {
        failures.push({ path: r, reason: (err as NodeJS.ErrnoException).code ?? (err as Error).message });
        // What is not kept is not left in the folder either.
        removeTree(p);
      }
    }
  };
  visit(src, '');
  mkdirSync(dirname(dest), { recursive: true });
  removeTree(dest);
  if (!keepDir) {
    renameSync(src, dest);
    return failures;
  }
  // A folder still mounted (a warm node's): what it holds moves, the folder stays.
  mkdirSync(dest);
  for (const name of readdirSync(src)) renameSync(join(src, name), join(dest, name));
  return failures;
}

/** Remove the run's working folders (spares never used, folders read through the engine): after its containers are gone. */
export function removeWorkFolders(runDir: string, nodes: readonly string[]): void {
  for (const n of nodes) removeTree(nodeFiles.work(runDir, n));
}

/** Remove what a folder holds, the folder itself kept (a bind mount's source must stay the same folder). */
export function emptyFolder(dir: string): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const n of names) removeTree(join(dir, n));
}

/**
 * rm -r that also removes a tree deeper than PATH_MAX (a node can make one: Node's rmSync
 * then fails with ENAMETOOLONG); coreutils rm walks by directory handles.
 */
function removeTree(path: string): void {
  try {
    rmSync(path, { recursive: true, force: true });
  } catch {
    spawnSync('rm', ['-rf', '--one-file-system', '--', path], { stdio: 'ignore' });
  }
}
