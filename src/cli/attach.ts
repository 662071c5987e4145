import { connect } from 'node:net';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { EXIT } from './exit-codes.js';
import { findNode } from './find-node.js';

/**
 * `lab attach`: this terminal becomes the node's terminal, as a student would use it.
 * Lines typed go to the node's stdin; its output comes back. Ctrl-D detaches and
 * leaves the node running.
 */
export async function attach(projectRoot: string, spec: string): Promise<number> {
  const f = await findNode(projectRoot, spec);
  process.stderr.write(`attached to ${spec}; type lines for its stdin; Ctrl-D detaches (the node keeps running)\n`);
  if (f.kind === 'docker') {
    const stream = (await f.container.attach({ stream: true, stdin: true, stdout: true, stderr: true, hijack: true })) as unknown as Duplex;
    f.docker.modem.demuxStream(stream, process.stdout, process.stderr);
    process.stdin.on('data', (d) => stream.write(d));
    await new Promise<void>((ok) => {
      process.stdin.once('end', ok);
      stream.once('end', ok);
    });
    stream.destroy();
  } else {
    const sock = connect(join(f.record.runDir, 'nodes', f.node, 'terminal.sock'));
    sock.pipe(process.stdout);
    process.stdin.on('data', (d) => sock.write(d));
    await new Promise<void>((ok) => {
      process.stdin.once('end', ok);
      sock.once('close', ok);
      sock.once('error', ok);
    });
    sock.destroy();
  }
  process.stdin.pause();
  return EXIT.ok;
}
