import { lstat, readdir, readlink } from 'node:fs/promises';
import path from 'node:path';

/** One thing found under a tree: its relative POSIX path and what lstat said. */
export interface WalkedEntry {
  rel: string;
  abs: string;
  kind: 'dir' | 'file' | 'symlink';
  /** Raw permission bits from lstat; callers normalise them as their image needs. */
  mode: number;
  size: number;
  /** Link target (symlinks). */
  target?: string;
}

export interface WalkOptions {
  /** Leave this path out entirely. */
  skip?: (rel: string) => boolean;
  /** Keep this directory but not what is inside it. */
  skipContents?: (rel: string) => boolean;
}

/**
 * The one tree walker of src/images: every directory, file and symlink under root/start,
 * parents before children, names in sorted order, so what is hashed and packed is the
 * same on every machine. Sockets, fifos and devices are skipped. A missing start folder
 * is an empty tree (a project without dist/apps yet).
 */
export async function walkTree(root: string, start = '', opts: WalkOptions = {}): Promise<WalkedEntry[]> {
  const out: WalkedEntry[] = [];
  const walk = async (rel: string, top: boolean): Promise<void> => {
    let names: string[];
    try {
      names = (await readdir(path.join(root, rel))).sort();
    } catch (err) {
      if (top && (err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    for (const name of names) {
      const childRel = rel ? `${rel}/${name}` : name;
      if (opts.skip?.(childRel)) continue;
      const abs = path.join(root, childRel);
      const st = await lstat(abs);
      if (st.isDirectory()) {
        out.push({ rel: childRel, abs, kind: 'dir', mode: st.mode, size: 0 });
        if (!opts.skipContents?.(childRel)) await walk(childRel, false);
      } else if (st.isSymbolicLink()) {
        out.push({ rel: childRel, abs, kind: 'symlink', mode: 0o777, size: 0, target: await readlink(abs) });
      } else if (st.isFile()) {
        out.push({ rel: childRel, abs, kind: 'file', mode: st.mode, size: st.size });
      }
    }
  };
  await walk(start, true);
  return out;
}
