import { PassThrough } from 'node:stream';
import type Docker from 'dockerode';
import { describe, expect, it } from 'vitest';
import type { ExitInfo } from '../runtime.js';
import { DockerNode } from './docker-node.js';
import { OomEvents } from './oom-events.js';

const ID = 'c0ffee'.repeat(10);
const oomLine = (id: string) => `${JSON.stringify({ status: 'oom', id, Type: 'container', Action: 'oom', Actor: { ID: id } })}\n`;

/**
 * A container as Docker 20.10 sometimes reports a memory hog: wait() says 137 and inspect()
 * says OOMKilled false, because the exit was handled before the kernel's OOM notice.
 */
function unflaggedHog(): { docker: Docker; container: Docker.Container; exit: (code: number) => void } {
  let exit!: (r: { StatusCode: number }) => void;
  const container = {
    id: ID,
    attach: async () => {
      const s = new PassThrough();
      return s;
    },
    wait: () => new Promise((ok) => (exit = ok)),
    start: async () => undefined,
    inspect: async () => ({ State: { OOMKilled: false, Running: false } }),
  } as unknown as Docker.Container;
  const docker = { modem: { demuxStream: () => undefined } } as unknown as Docker;
  return { docker, container, exit: (code) => exit({ StatusCode: code }) };
}

function exitOf(node: DockerNode): Promise<ExitInfo> {
  return new Promise((ok) => node.onExit(ok));
}

describe('OOM kills the engine does not flag (Docker 20.10)', () => {
  it('counts oom events per container from the event stream, split across chunks', () => {
    const ev = new OomEvents();
    const line = oomLine(ID);
    ev.feed(line.slice(0, 20));
    expect(ev.count(ID)).toBe(0);
    ev.feed(line.slice(20) + oomLine('other'));
    expect(ev.count(ID)).toBe(1);
    expect(ev.count('other')).toBe(1);
  });

  it('an exit with code 137, OOMKilled false, and an oom event just after the exit reads as out of memory', async () => {
    const ev = new OomEvents();
    const hog = unflaggedHog();
    const node = new DockerNode(hog.docker, hog.container, 'server', '10.160.0.10', 'img', undefined, ev);
    await node.start();
    const ended = exitOf(node);
    hog.exit(137);
    setTimeout(() => ev.feed(oomLine(ID)), 50); // the notice comes after the exit
    const e = await ended;
    expect(e.code).toBe(137);
    expect(e.reason).toEqual({ kind: 'oom', text: 'killed: out of memory (memory limit reached)' });
  });

  it('a 137 with no oom event (kill -9 by the program itself) stays a bare 137; an oom of an earlier incarnation does not count', async () => {
    const ev = new OomEvents();
    ev.feed(oomLine(ID));
    const hog = unflaggedHog();
    const node = new DockerNode(hog.docker, hog.container, 'server', '10.160.0.10', 'img', undefined, ev);
    await node.start();
    const ended = exitOf(node);
    hog.exit(137);
    setTimeout(() => ev.close(), 50);
    const e = await ended;
    expect(e.code).toBe(137);
    expect(e.reason).toBeUndefined();
  });
});
