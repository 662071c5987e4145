import { createReadStream, readFileSync, watch } from 'node:fs';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { EXIT } from './exit-codes.js';
import { findNode } from './find-node.js';

/** `lab logs`: a node's output so far (docker: the engine's log; local: the transcript). */
export async function logs(projectRoot: string, spec: string, opts: { follow?: boolean }): Promise<number> {
  const f = await findNode(projectRoot, spec);
  if (f.kind === 'docker') {
    if (opts.follow) {
      const stream = (await f.container.logs({ stdout: true, stderr: true, follow: true })) as unknown as Duplex;
      f.docker.modem.demuxStream(stream, process.stdout, process.stderr);
      await new Promise((ok) => stream.once('end', ok));
    } else {
      const buf = (await f.container.logs({ stdout: true, stderr: true, follow: false })) as unknown as Buffer;
      process.stdout.write(demuxBuffer(buf));
    }
    return EXIT.ok;
  }
  const file = join(f.record.runDir, 'nodes', f.node, 'transcript.log');
  process.stdout.write(readFileSync(file));
  if (opts.follow) {
    let pos = readFileSync(file).length;
    watch(file, () => {
      const s = createReadStream(file, { start: pos });
      s.on('data', (c) => ((pos += c.length), process.stdout.write(c)));
    });
    await new Promise(() => undefined);
  }
  return EXIT.ok;
}

/** Docker's multiplexed log format: 8-byte headers (stream, size) before each frame. */
export function demuxBuffer(buf: Buffer): Buffer {
  const parts: Buffer[] = [];
  let i = 0;
  while (i + 8 <= buf.length) {
    const size = buf.readUInt32BE(i + 4);
    parts.push(buf.subarray(i + 8, i + 8 + size));
    i += 8 + size;
  }
  return Buffer.concat(parts);
}
