import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { OutputListener, RuntimeNode } from '../runtime/runtime.js';
import type { ExitInfo } from '../model/exit-info.js';
import type { NodePlan } from '../topology/lab-plan.js';
import { Transcript } from '../report/transcript.js';
import { LabNode } from './lab-node.js';
import { watchCrashes } from './crash-watch.js';

/** A runtime node whose output and exit are fed in by hand. */
function fakeNode(name: string): LabNode & { print: (stream: 'stdout' | 'stderr', text: string) => void; end: (e: ExitInfo) => void } {
  const out: OutputListener[] = [];
  const exits: ((e: ExitInfo) => void)[] = [];
  const never = () => Promise.reject(new Error('not in this test'));
  const runtime: RuntimeNode = {
    name, address: '10.0.0.11', id: 'fake', image: 'host',
    onOutput: (l) => void out.push(l),
    onExit: (l) => void exits.push(l),
    start: never, write: never, stop: never, kill: never, restart: never,
    running: () => true,
    readFile: never, listFiles: never, collect: never, exec: never,
  };
  const plan = { name, role: 'client', host: 11, command: [], env: {}, files: [], limits: {}, ports: {}, autostart: true, where: [] } as unknown as NodePlan;
  const node = new LabNode(plan, runtime, ['x'], undefined, new Transcript(join(mkdtempSync(join(tmpdir(), 'netlab-crash-')), `${name}.log`), performance.now()));
  return Object.assign(node, {
    print: (stream: 'stdout' | 'stderr', text: string) => out.forEach((l) => l(stream, Buffer.from(text))),
    end: (e: ExitInfo) => exits.forEach((l) => l(e)),
  });
}

const TRACE = 'Traceback (most recent call last):\n  File "client.py", line 294, in upload_contact_log\nFileNotFoundError: [Errno 2] No such file or directory: \'contact_log.txt\'\n';

describe('watchCrashes', () => {
  it('names a node that ended with a code during the scenario, with its traceback', () => {
    const phone1 = fakeNode('phone1');
    const server = fakeNode('server');
    phone1.print('stderr', 'an old warning\n');
    const crashed = watchCrashes([phone1, server]);
    phone1.print('stdout', '> ');
    phone1.print('stderr', TRACE);
    phone1.end({ code: 1, signal: null, requested: false });
    expect(crashed()).toEqual([{ node: 'phone1', exit: 'code 1', stderr: TRACE.trimEnd(), traceback: true }]);
  });

  it('names a server that printed a traceback and went on', () => {
    const server = fakeNode('server');
    const crashed = watchCrashes([server]);
    server.print('stderr', 'Exception in thread Thread-3:\n' + TRACE);
    expect(crashed()).toEqual([{ node: 'server', stderr: TRACE.trimEnd(), traceback: true }]);
  });

  it('does not count an end the lab asked for, a clean exit, or a crash from before the scenario', () => {
    const a = fakeNode('a');
    const b = fakeNode('b');
    const c = fakeNode('c');
    c.print('stderr', TRACE);
    c.end({ code: 1, signal: null, requested: false });
    const crashed = watchCrashes([a, b, c]);
    a.end({ code: null, signal: 'SIGKILL', requested: true });
    b.end({ code: 0, signal: null, requested: false });
    expect(crashed()).toEqual([]);
  });

  it('counts a limit the lab enforced, and an exit without a traceback shows the last of stderr', () => {
    const a = fakeNode('a');
    const b = fakeNode('b');
    const crashed = watchCrashes([a, b]);
    a.end({ code: 137, signal: null, requested: true, reason: { kind: 'output-limit', text: 'killed by the lab: printed more than 1000 bytes (output limit)' } });
    b.print('stderr', 'usage: client server_IP server_port\n');
    b.end({ code: 2, signal: null, requested: false });
    expect(crashed()).toEqual([
      { node: 'a', exit: 'code 137, killed by the lab: printed more than 1000 bytes (output limit)', traceback: false },
      { node: 'b', exit: 'code 2', stderr: 'usage: client server_IP server_port', traceback: false },
    ]);
  });
});
