import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { findNode } from './find-node.js';

/** `lab exec`: run a command inside a node (its container, or its folder and address locally); exits with its code. */
export async function exec(projectRoot: string, spec: string, argv: string[]): Promise<number> {
  const f = await findNode(projectRoot, spec);
  if (f.kind === 'docker') {
    const ex = await f.container.exec({ Cmd: argv, AttachStdout: true, AttachStderr: true, WorkingDir: '/lab' });
    const stream = (await ex.start({ hijack: true, stdin: false })) as unknown as Duplex;
    f.docker.modem.demuxStream(stream, process.stdout, process.stderr);
    await new Promise((ok) => stream.once('end', ok));
    return (await ex.inspect()).ExitCode ?? 1;
  }
  const address = f.record.nodes.find((n) => n.name === f.node)!.address;
  const child = spawn(argv[0], argv.slice(1), {
    cwd: join(f.record.runDir, 'nodes', f.node, 'files'),
    stdio: 'inherit',
    env: { ...process.env, PATH: `${join(projectRoot, 'bin')}:${process.env.PATH}`, NETLAB_NODE_NAME: f.node, NETLAB_NODE_ADDRESS: address },
  });
  return new Promise((ok) => {
    child.once('error', () => ok(127));
    child.once('close', (code) => ok(code ?? 1));
  });
}
