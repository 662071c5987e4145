import { Duplex } from 'node:stream';
import type { ReadableStream, WritableStream } from 'node:stream/web';

/** The parts of a @matrixai/quic QUICStream this adapter uses. */
export interface WebStreamPair {
  readable: ReadableStream<Uint8Array>;
  writable: WritableStream<Uint8Array>;
  closedP?: Promise<void>;
  cancel?(reason?: unknown): void;
}

/**
 * A QUIC stream (WHATWG readable + writable) as a Node Duplex, with every promise caught.
 *
 * Why not Duplex.fromWeb: the library rejects reads, writes and closedP when a peer
 * resets or vanishes, and a rejection nobody awaits ends the process. Here each one
 * becomes the Duplex's 'error' (or a quiet end), which the session layer already handles;
 * destroying the Duplex cancels both directions.
 */
export function quicStreamDuplex(qs: WebStreamPair): Duplex {
  const reader = qs.readable.getReader();
  const writer = qs.writable.getWriter();
  qs.closedP?.catch(() => {});
  writer.closed.catch(() => {});
  reader.closed.catch(() => {});
  let pumping = false;
  let done = false;
  const d = new Duplex({
    allowHalfOpen: true,
    read() {
      if (pumping || done) return;
      pumping = true;
      const pump = async (): Promise<void> => {
        try {
          for (;;) {
            const { value, done: eof } = await reader.read();
            if (eof) {
              done = true;
              d.push(null);
              return;
            }
            if (!d.push(Buffer.from(value.buffer, value.byteOffset, value.byteLength))) return;
          }
        } catch (e) {
          done = true;
          d.destroy(e instanceof Error ? e : new Error(String(e)));
        } finally {
          pumping = false;
        }
      };
      void pump();
    },
    write(chunk: Buffer, _enc, cb) {
      writer.write(chunk).then(
        () => cb(),
        (e: unknown) => cb(e instanceof Error ? e : new Error(String(e))),
      );
    },
    final(cb) {
      writer.close().then(
        () => cb(),
        () => cb(),
      );
    },
    destroy(err, cb) {
      done = true;
      try {
        reader.cancel(err ?? undefined).catch(() => {});
        writer.abort(err ?? undefined).catch(() => {});
        qs.cancel?.(err ?? undefined);
      } catch {
        /* already closed */
      }
      cb(err);
    },
  });
  return d;
}
