// The lab image's build context: exactly the files the Dockerfile copies, listed in a
// stable order (the one tree walker), hashed, and packed (the one packer) for the Engine's /build endpoint.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { packTree, type TreeEntry } from './tar-packer.js';
import { walkTree } from './tree-walker.js';
import { ImageError } from './image-error.js';

/** Top-level files that must exist. */
const CONTEXT_FILES = ['Dockerfile', 'package.json'] as const;
/** Directories copied recursively; a missing one is sent as an empty directory. */
const CONTEXT_DIRS = ['bin', 'dist/apps'] as const;

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

/** Which project files make an image's build context: files that must exist, folders copied whole. */
export interface ContextSpec {
  files: readonly string[];
  dirs: readonly string[];
}

/** The node image's context: what its Dockerfile copies. */
const NODE_CONTEXT: ContextSpec = { files: CONTEXT_FILES, dirs: CONTEXT_DIRS };

/** Reads a build context (default: Dockerfile, package.json, bin/**, dist/apps/**) and hashes it. */
export async function collectContext(root: string, spec: ContextSpec = NODE_CONTEXT): Promise<BuildContext> {
  const entries: ContextEntry[] = [];
  for (const f of spec.files) {
    let data: Buffer;
    try {
      data = await readFile(path.join(root, f));
    } catch (err) {
      throw new ContextError(`cannot read ${path.join(root, f)}: ${(err as Error).message}`);
    }
    entries.push({ rel: f, kind: 'file', mode: 0o644, data });
  }
  for (const dir of spec.dirs) {
    // Parent directories first (dist/ for dist/apps), then the directory itself (even if missing).
    const parts = dir.split('/');
    for (let i = 1; i <= parts.length; i++) entries.push({ rel: parts.slice(0, i).join('/'), kind: 'dir', mode: 0o755 });
    const walked = await walkTree(root, dir);
    const data = await Promise.all(walked.map((e) => (e.kind === 'file' ? readFile(e.abs) : undefined)));
    walked.forEach((e, i) => {
      if (e.kind === 'dir') entries.push({ rel: e.rel, kind: 'dir', mode: 0o755 });
      else if (e.kind === 'symlink') entries.push({ rel: e.rel, kind: 'symlink', mode: 0o777, target: e.target });
      else entries.push({ rel: e.rel, kind: 'file', mode: normMode(e.mode, false), data: data[i] });
    });
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

/** The context as an uncompressed tar stream (only the collected entries), by the one packer. */
export function packContext(ctx: BuildContext): NodeJS.ReadableStream {
  return packTree(
    ctx.entries.map((e): TreeEntry => {
      if (e.kind === 'dir') return { kind: 'dir', path: e.rel, mode: e.mode };
      if (e.kind === 'symlink') return { kind: 'symlink', path: e.rel, target: e.target! };
      return { kind: 'content', path: e.rel, mode: e.mode, data: e.data! };
    }),
  );
}
