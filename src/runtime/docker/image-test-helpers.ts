// Test helpers shared by the image-* tests (not used at runtime).
import tar from 'tar-stream';

export interface TarItem {
  name: string;
  type: string;
  mode: number;
  linkname?: string;
  data: Buffer;
}

/** Reads a whole tar stream into memory (test-sized archives only). */
export async function readTar(stream: NodeJS.ReadableStream): Promise<Map<string, TarItem>> {
  const ex = tar.extract();
  stream.on('error', (err: Error) => ex.destroy(err));
  stream.pipe(ex);
  const out = new Map<string, TarItem>();
  for await (const entry of ex) {
    const chunks: Buffer[] = [];
    for await (const c of entry) chunks.push(c as Buffer);
    const h = entry.header;
    out.set(h.name, {
      name: h.name,
      type: h.type ?? 'file',
      mode: h.mode ?? 0,
      linkname: h.linkname ?? undefined,
      data: Buffer.concat(chunks),
    });
  }
  return out;
}
