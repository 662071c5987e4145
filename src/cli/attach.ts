import { connect } from 'node:net';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { RemoteLab } from '../lab/lab-control.js';
import { EXIT, UsageError } from './exit-codes.js';
import { findNode } from './find-node.js';
import { controlPath, heldBy } from './kept-lab.js';
import { listLabs } from '../lab/lab-registry.js';
import { DETACH_HELP, readTyped } from './detach-keys.js';

/**
 * `lab attach`: this terminal becomes the node's terminal, as a student would use it.
 * Lines typed go to the node's stdin; its output comes back. Ctrl-] or Ctrl-D detaches
 * and leaves the node running. A node that is not running is said so; --restart starts it.
 */
export async function attach(projectRoot: string, spec: string, opts: { restart?: boolean } = {}): Promise<number> {
  const f = await findNode(projectRoot, spec);
  const notRunning = (why: string) =>
    new UsageError(`${spec} is not running (${why})`, { hint: `./lab attach --restart ${spec} starts it again and attaches` });
  let input: (d: string) => void;
  let closed: Promise<void>;
  let close: () => void;
  if (f.kind === 'docker') {
    const state = (await f.container.inspect()).State;
    if (!state?.Running && !opts.restart) throw notRunning(`exited with code ${state?.ExitCode ?? '?'}`);
    // A lab held by a controller (lab up --ui) is restarted through it, so its page follows.
    const rec = opts.restart ? listLabs(projectRoot).find((r) => r.lab === f.lab && r.runtime === 'docker' && heldBy(r)) : undefined;
    const remote = rec ? await RemoteLab.connect(controlPath(rec.runDir)) : undefined;
    if (opts.restart && state?.Running) await (remote ? remote.control('stop', f.node) : f.container.stop({ t: 3 }));
    // Attach before (re)starting, so the first prompt is not missed.
    const stream = (await f.container.attach({ stream: true, stdin: true, stdout: true, stderr: true, hijack: true })) as unknown as Duplex;
    f.docker.modem.demuxStream(stream, process.stdout, process.stderr);
    if (opts.restart) await (remote ? remote.control('start', f.node) : f.container.start());
    remote?.close();
    input = (d) => void stream.write(d);
    closed = new Promise<void>((ok) => (stream.once('end', ok), stream.once('close', ok)));
    close = () => stream.destroy();
  } else {
    const remote = await RemoteLab.connect(controlPath(f.record.runDir));
    const info = (await remote.info()).nodes.find((n) => n.name === f.node);
    if (info?.state !== 'running' && !opts.restart) {
      remote.close();
      throw notRunning(info?.exit ?? info?.state ?? 'unknown');
    }
    const sock = connect(join(f.record.runDir, 'nodes', f.node, 'terminal.sock'));
    await new Promise<void>((ok, fail) => (sock.once('connect', ok), sock.once('error', fail)));
    sock.pipe(process.stdout);
    if (opts.restart) await remote.control('restart', f.node);
    remote.close();
    input = (d) => void sock.write(d);
    closed = new Promise<void>((ok) => (sock.once('close', ok), sock.once('error', () => ok())));
    close = () => sock.destroy();
  }
  process.stderr.write(`attached to ${spec}${opts.restart ? ' (restarted)' : ''}; type lines for its stdin; ${DETACH_HELP}\n`);
  let detach!: () => void;
  const detached = new Promise<void>((ok) => (detach = ok));
  const stop = readTyped(process.stdin, process.stdout, input, detach);
  await Promise.race([detached, closed]);
  stop();
  close();
  return EXIT.ok;
}
