import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import type { OutputListener, RuntimeNode } from '../runtime/runtime.js';
import type { NodePlan } from '../topology/lab-plan.js';
import { Transcript } from '../report/transcript.js';
import { LabNode } from './lab-node.js';

/** Just enough of a runtime node to feed output chunks in by hand. */
function fakeRuntime(): RuntimeNode & { emit: OutputListener } {
  const listeners: OutputListener[] = [];
  const never = () => Promise.reject(new Error('not in this test'));
  return {
    name: 'c1', address: '10.0.0.11', id: 'fake', image: 'host',
    onOutput: (l) => void listeners.push(l),
    onExit: () => undefined,
    start: never, write: never, stop: never, kill: never, restart: never,
    running: () => true,
    readFile: never, listFiles: never, collect: never, exec: never,
    emit: (stream, chunk) => listeners.forEach((l) => l(stream, chunk)),
  };
}

it('a character split across two output chunks reaches the transcript whole', async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'netlab-labnode-')), 'c1.log');
  const transcript = new Transcript(path, performance.now());
  const runtime = fakeRuntime();
  const plan = { name: 'c1', role: 'client', host: 11, command: [], env: {}, files: [], limits: {}, ports: {}, autostart: true, where: [] } as unknown as NodePlan;
  const node = new LabNode(plan, runtime, ['x'], undefined, transcript);
  const bytes = Buffer.from('Grüße, 世界\n', 'utf8');
  // Cut inside "ü" (2 bytes) and inside "世" (3 bytes).
  const cuts = [3, 4, 12, 13, bytes.length];
  let from = 0;
  for (const to of cuts) runtime.emit('stdout', bytes.subarray(from, (from = to)));
  await transcript.close();
  const text = readFileSync(path, 'utf8');
  expect(text).not.toContain('\uFFFD');
  expect(text).toMatch(/Grüße, 世界\n$/);
  expect(node.output.pending()).toBe('Grüße, 世界\n');
});
