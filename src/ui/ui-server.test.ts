import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { serveUi, type UiServer } from './ui-server.js';
import { recordedRun } from './recorded-run.js';
import type { LabEvent, UiSource } from './ui-source.js';
import type { PageEvent } from './page-events.js';

function pageDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'netlab-page-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>netlab</title>');
  writeFileSync(join(dir, 'assets', 'a.js'), 'console.log(1)');
  return dir;
}

/** A source a test drives by hand. */
function fakeSource() {
  const listeners = new Set<(e: LabEvent) => void>();
  const written: string[] = [];
  const source: UiSource = {
    live: true,
    info: async () => ({ lab: 'fake', runtime: 'local', runDir: '/x', scenarios: [], nodes: [{ name: 'server', role: 'server', ip: '127.1.0.10', image: 'host', state: 'running' }] }),
    subscribe(cb) {
      cb({ type: 'output', node: 'server', stream: 'stdout', text: 'before\n' });
      listeners.add(cb);
      return () => listeners.delete(cb);
    },
    write: async (node, text) => void written.push(`${node}:${text}`),
  };
  return { source, written, emit: (e: LabEvent) => listeners.forEach((l) => l(e)) };
}

/** Messages from the page's socket, as they come. */
function messages(ws: WebSocket) {
  const got: Record<string, unknown>[] = [];
  const waiters: (() => void)[] = [];
  ws.on('message', (d) => (got.push(JSON.parse(String(d))), waiters.forEach((w) => w())));
  return {
    got,
    until: (pred: (all: Record<string, unknown>[]) => boolean) =>
      new Promise<void>((ok) => {
        const check = () => pred(got) && ok();
        waiters.push(check);
        check();
      }),
  };
}

let server: UiServer | undefined;
afterEach(async () => server?.close());

describe('serveUi', () => {
  it('serves the page only with the token; assets without', async () => {
    server = await serveUi(fakeSource().source, { pageDir: pageDir() });
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]{20,}$/);
    expect((await fetch(server.url)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${server.port}/?token=nope`)).status).toBe(403);
    expect((await fetch(`http://127.0.0.1:${server.port}/`)).status).toBe(403);
    expect((await fetch(`http://127.0.0.1:${server.port}/assets/a.js`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${server.port}/assets/../index.html`)).status).toBe(404);
  });

  it('refuses a WebSocket without the token', async () => {
    server = await serveUi(fakeSource().source, { pageDir: pageDir(), token: 't0ken' });
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws?token=bad`);
    const status = await new Promise<number>((ok) => ws.once('unexpected-response', (_req, res) => ok(res.statusCode ?? 0)));
    expect(status).toBe(403);
  });

  it('sends info, the replay and live events in batches; typed lines reach the source', async () => {
    const fake = fakeSource();
    server = await serveUi(fake.source, { pageDir: pageDir(), token: 't0ken' });
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws?token=t0ken`);
    const m = messages(ws);
    await m.until((all) => all.some((x) => x.type === 'events'));
    expect(m.got[0]).toMatchObject({ type: 'info', live: true, info: { lab: 'fake' } });
    for (let i = 0; i < 100; i++) fake.emit({ type: 'output', node: 'server', stream: 'stdout', text: `line ${i}\n` });
    await m.until((all) => all.flatMap((x) => x.events ?? []).length >= 101);
    const batches = m.got.filter((x) => x.type === 'events');
    expect(batches.length).toBeLessThan(10); // batched, not one message per event
    ws.send(JSON.stringify({ op: 'write', node: 'server', text: 'hello\n' }));
    await m.until((all) => all.some((x) => x.type === 'reply'));
    expect(fake.written).toEqual(['server:hello\n']);
    ws.close();
  });

  it("tells a page that fell behind how many lines of which node it was not sent, to the line", async () => {
    const fake = fakeSource();
    server = await serveUi(fake.source, { pageDir: pageDir(), token: 't0ken' });
    const open = async () => {
      const ws = new WebSocket(`ws://127.0.0.1:${server!.port}/ws?token=t0ken`);
      const m = messages(ws);
      await m.until((all) => all.some((x) => x.type === 'events'));
      return { ws, m };
    };
    type Ev = { type: string; text?: string; lines?: number; node?: string };
    const events = (m: ReturnType<typeof messages>) => m.got.flatMap((x) => (x.events ?? []) as Ev[]);
    const lines = (m: ReturnType<typeof messages>) => events(m).filter((e) => e.type === 'output').reduce((n, e) => n + e.text!.split('\n').length - 1, 0);
    // The slow page stops reading; a page that keeps up shows when each batch was sent
    // (the slow page subscribed first, so its batch goes first).
    const slow = await open();
    (slow.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket.pause();
    const quick = await open();
    const big = 'x'.repeat(63) + '\n';
    fake.emit({ type: 'output', node: 'server', stream: 'stdout', text: big.repeat(512 * 1024) }); // 32 MiB: more than the socket buffers and the 8 MiB cap
    await quick.m.until(() => lines(quick.m) >= 1 + 512 * 1024);
    for (let i = 0; i < 1000; i++) fake.emit({ type: 'output', node: 'server', stream: 'stdout', text: `after ${i}\n` });
    await quick.m.until(() => lines(quick.m) >= 1 + 512 * 1024 + 1000);
    (slow.ws as unknown as { _socket: { resume(): void } })._socket.resume();
    await slow.m.until(() => events(slow.m).some((e) => e.type === 'skipped'));
    const skipped = events(slow.m).filter((e) => e.type === 'skipped');
    expect(skipped).toEqual([{ type: 'skipped', node: 'server', lines: 1000, bytes: expect.any(Number) }]);
    expect(lines(slow.m) + skipped[0].lines!).toBe(lines(quick.m));
    slow.ws.close();
    quick.ws.close();
  });
});

describe('recordedRun', () => {
  it('reads nodes, steps and transcript lines of a finished run, in time order', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'netlab-run-'));
    mkdirSync(join(dir, 'nodes', 'a'), { recursive: true });
    mkdirSync(join(dir, 'nodes', 'b'), { recursive: true });
    writeFileSync(
      join(dir, 'results.json'),
      JSON.stringify({
        lab: 'two', runtime: 'local', status: 'passed',
        nodes: [{ name: 'a', role: 'server', ip: '127.1.0.10', image: 'host', exit: 'code 0' }, { name: 'b', role: 'client', ip: '127.1.0.11', image: 'host' }],
        scenarios: [{ name: 's', status: 'passed', ms: 5, steps: [{ path: '1', description: 'b: send "hi"', status: 'passed', ms: 1 }, { path: '2', description: 'x', status: 'skipped', ms: 0 }] }],
      }),
    );
    writeFileSync(join(dir, 'nodes', 'a', 'transcript.log'), '[   0.100s] lab| starting: x\n[   0.300s] out| got hi\n');
    writeFileSync(join(dir, 'nodes', 'b', 'transcript.log'), '[   0.200s] in >| hi\n');
    const src = recordedRun(dir);
    expect(src.live).toBe(false);
    expect((await src.info()).nodes.map((n) => n.name)).toEqual(['a', 'b']);
    const events: PageEvent[] = [];
    src.subscribe((e) => events.push(e));
    expect(events.map((e) => e.type)).toEqual(['typed', 'output', 'scenario-start', 'step', 'scenario-end', 'wire-off']);
    expect(events[1]).toMatchObject({ node: 'a', text: 'got hi\n' });
  });

  it("gives each scenario's sequence diagram the run wrote, served under the token", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'netlab-run-'));
    writeFileSync(
      join(dir, 'results.json'),
      JSON.stringify({
        lab: 'two', runtime: 'local', status: 'passed', nodes: [],
        scenarios: [{ name: 'one', status: 'passed', ms: 5, steps: [] }, { name: 'two', status: 'passed', ms: 5, steps: [] }],
        wire: { capture: { file: 'capture.pcap', bytes: 100, packets: 3 }, sequence: ['sequence.md', 'sequence-1.svg'] },
      }),
    );
    writeFileSync(join(dir, 'sequence.md'), '# two\n\n## one\n\n```mermaid\n```\n\n![one](sequence-1.svg)\n\n## two\n\n_nothing crossed the wire_\n');
    writeFileSync(join(dir, 'sequence-1.svg'), '<svg xmlns="http://www.w3.org/2000/svg"><text>HELLO</text></svg>');
    writeFileSync(join(dir, 'secret.txt'), 'not served');
    const src = recordedRun(dir);
    const events: PageEvent[] = [];
    src.subscribe((e) => events.push(e));
    expect(events.at(-1)).toEqual({ type: 'wire-diagrams', diagrams: [{ scenario: 'one', file: 'sequence-1.svg' }, { scenario: 'two' }] });
    server = await serveUi(src, { pageDir: pageDir(), token: 't0ken' });
    const base = `http://127.0.0.1:${server.port}/sequence`;
    const ok = await fetch(`${base}/sequence-1.svg?token=t0ken`);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toMatch(/image\/svg\+xml/);
    expect(await ok.text()).toContain('HELLO');
    expect((await fetch(`${base}/sequence-1.svg?token=bad`)).status).toBe(403);
    expect((await fetch(`${base}/secret.txt?token=t0ken`)).status).toBe(404);
    expect((await fetch(`${base}/..%2Fresults.json?token=t0ken`)).status).toBe(404);
  });

  it('says when a folder is not a run folder', () => {
    expect(() => recordedRun(mkdtempSync(join(tmpdir(), 'netlab-notrun-')))).toThrow(/not a run folder \(no results.json\)/);
  });
});
