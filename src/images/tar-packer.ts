import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';

/** One entry of an image tree, at its path inside the image. */
export type TreeEntry =
  | { kind: 'dir'; path: string; mode: number }
  /** A regular file whose bytes come from `source` on the host (symlinks already resolved). */
  | { kind: 'file'; path: string; mode: number; source: string; size: number }
  /** A file whose bytes are given. */
  | { kind: 'content'; path: string; mode: number; data: string | Buffer }
  | { kind: 'symlink'; path: string; target: string };

const FIXED_MTIME = new Date('2020-01-01T00:00:00Z');

/**
 * The one tar packer of src/images (tar-stream): entries in the order given, owned by
 * root, with a fixed mtime, so the same tree always packs to the same bytes. Host files
 * are read lazily one at a time; a file that changed size while packing, or vanished,
 * destroys the stream with that error. A directory listed twice is packed once.
 */
export function packTree(entries: readonly TreeEntry[]): NodeJS.ReadableStream {
  const pack = tar.pack();
  const header = { uid: 0, gid: 0, uname: 'root', gname: 'root', mtime: FIXED_MTIME };
  const seenDirs = new Set<string>();
  (async () => {
    for (const e of entries) {
      const name = e.path.replace(/^\/+/, '');
      switch (e.kind) {
        case 'dir':
          if (seenDirs.has(name)) break;
          seenDirs.add(name);
          pack.entry({ ...header, name: `${name}/`, type: 'directory', mode: e.mode });
          break;
        case 'symlink':
          pack.entry({ ...header, name, type: 'symlink', linkname: e.target, mode: 0o777 });
          break;
        case 'content':
          pack.entry({ ...header, name, type: 'file', mode: e.mode }, e.data);
          break;
        case 'file': {
          const st = await stat(e.source);
          if (st.size !== e.size) throw new Error(`${e.source} changed size while packing`);
          const sink = pack.entry({ ...header, name, type: 'file', mode: e.mode, size: e.size });
          await pipeline(createReadStream(e.source), sink);
          break;
        }
      }
    }
    pack.finalize();
  })().catch((err: unknown) => pack.destroy(err instanceof Error ? err : new Error(String(err))));
  // tar-stream packs are streamx streams; they pipe into Node writables (the HTTP request).
  return pack as unknown as NodeJS.ReadableStream;
}
