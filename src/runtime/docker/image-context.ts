// The lab image's build context: exactly the files the Dockerfile copies, listed in a
// stable order, hashed, and streamed as a tar (tar-stream) for the Engine's /build endpoint.
import { createHash } from 'node:crypto';
import { lstat, readFile, readdir, readlink } from 'node:fs/promises';
import path from 'node:path';
import tar from 'tar-stream';
import { ImageError } from '../../images/image-error.js';

/** Top-level files that must exist. */
export const CONTEXT_FILES = ['Dockerfile', 'package.json'] as const;
/** Directories copied recursively; a missing one is sent as an empty directory. */
export const CONTEXT_DIRS = ['bin', 'dist/apps'] as const;

export interface ContextEntry {
  /** POSIX path relative to the project root. */
  rel: string;
  kind: 'file' | 'dir' | 'symlink';
  /** Permission bits (normalised: 0o755 for executables and dirs, else 0o644). */
  mode: number;
  /** File bytes (files) — kept so packing does not read the disk twice. */
  data?: Buffer;
  /** Link target (symlinks). */
  target?: string;
}

export interface BuildContext {
  root: string;
  entries: ContextEntry[];
  /** sha256 hex over every entry's path, kind, mode and bytes. */
  hash: string;
}

export class ContextError extends ImageError {}

function normMode(mode: number, isDir: boolean): number {
  return isDir || mode & 0o111 ? 0o755 : 0o644;
}

async function walk(root: string, rel: string, out: ContextEntry[]): Promise<void> {
  const abs = path.join(root, rel);
  let names: string[];
  try {
    names = await readdir(abs);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  names.sort();
  const children = await Promise.all(
    names.map(async (name) => {
      const childRel = `${rel}/${name}`;
      const st = await lstat(path.join(root, childRel));
      return { childRel, st };
    }),
  );
  const files: Array<Promise<ContextEntry>> = [];
  const dirs: string[] = [];
  for (const { childRel, st } of children) {
    if (st.isDirectory()) {
      dirs.push(childRel);
    } else if (st.isSymbolicLink()) {
      files.push(
        readlink(path.join(root, childRel)).then((target) => ({ rel: childRel, kind: 'symlink' as const, mode: 0o777, target })),
      );
    } else if (st.isFile()) {
      files.push(
        readFile(path.join(root, childRel)).then((data) => ({ rel: childRel, kind: 'file' as const, mode: normMode(st.mode, false), data })),
      );
    }
    // sockets, fifos etc. are ignored
  }
  // Keep a deterministic order: entries sorted by name, directories recursed in place.
  const resolved = new Map<string, ContextEntry>();
  for (const e of await Promise.all(files)) resolved.set(e.rel, e);
  for (const { childRel } of children) {
    const e = resolved.get(childRel);
    if (e) out.push(e);
    else if (dirs.includes(childRel)) {
      out.push({ rel: childRel, kind: 'dir', mode: 0o755 });
      await walk(root, childRel, out);
    }
  }
}

/** Reads the context (Dockerfile, package.json, bin/**, dist/apps/**) and hashes it. */
export async function collectContext(root: string): Promise<BuildContext> {
  const entries: ContextEntry[] = [];
  for (const f of CONTEXT_FILES) {
    let data: Buffer;
    try {
      data = await readFile(path.join(root, f));
    } catch (err) {
      throw new ContextError(`cannot read ${path.join(root, f)}: ${(err as Error).message}`);
    }
    entries.push({ rel: f, kind: 'file', mode: 0o644, data });
  }
  for (const dir of CONTEXT_DIRS) {
    // Parent directories first (dist/ for dist/apps), then the directory itself (even if missing).
    const parts = dir.split('/');
    for (let i = 1; i <= parts.length; i++) entries.push({ rel: parts.slice(0, i).join('/'), kind: 'dir', mode: 0o755 });
    await walk(root, dir, entries);
  }
  return { root, entries, hash: hashEntries(entries) };
}

export function hashEntries(entries: readonly ContextEntry[]): string {
  const h = createHash('sha256');
  h.update('netlab-context-v1\0');
  for (const e of entries) {
    h.update(`${e.kind}\0${e.rel}\0${e.mode.toString(8)}\0`);
    if (e.kind === 'file') {
      h.update(`${e.data!.length}\0`);
      h.update(e.data!);
    } else if (e.kind === 'symlink') {
      h.update(`${e.target}\0`);
    }
  }
  return h.digest('hex');
}

const FIXED_MTIME = new Date('2020-01-01T00:00:00Z');

/** The context as an uncompressed tar stream (only the collected entries). */
export function packContext(ctx: BuildContext): NodeJS.ReadableStream {
  const pack = tar.pack();
  const header = { uid: 0, gid: 0, mtime: FIXED_MTIME };
  const seenDirs = new Set<string>();
  for (const e of ctx.entries) {
    if (e.kind === 'dir') {
      if (seenDirs.has(e.rel)) continue;
      seenDirs.add(e.rel);
      pack.entry({ ...header, name: `${e.rel}/`, type: 'directory', mode: e.mode });
    } else if (e.kind === 'symlink') {
      pack.entry({ ...header, name: e.rel, type: 'symlink', linkname: e.target!, mode: 0o777 });
    } else {
      pack.entry({ ...header, name: e.rel, type: 'file', mode: e.mode }, e.data!);
    }
  }
  pack.finalize();
  // tar-stream packs are streamx streams; they pipe into Node writables (the HTTP request).
  return pack as unknown as NodeJS.ReadableStream;
}
