import { describe, expect, it } from 'vitest';
import { ManualClock } from '../common/manual-clock.js';
import { ChatClient } from './chat-client.js';
import { ChatServer } from './chat-server.js';
import { HistoryStore } from './history-store.js';
import { memoryTransport } from './memory-transport.js';

const tick = () => new Promise<void>((r) => setImmediate(r));
const KEYS: Record<string, string> = { A: 'keyA', B: 'keyB', C: 'keyC' };

function world(idleTimeoutMs = 300_000) {
  const clock = new ManualClock();
  const history = HistoryStore.memory();
  const server = new ChatServer({ subscribers: new Map(Object.entries(KEYS)), history, clock, idleTimeoutMs, tcpPort: () => 5000 });
  const out: Record<string, string[]> = {};
  const client = (id: string, key = KEYS[id]!, opts: { dropUdp?: (n: number) => boolean; idleTimeoutMs?: number } = {}) => {
    const lines: string[] = (out[id] = []);
    const c = new ChatClient({
      id,
      key,
      transport: memoryTransport(server, opts.dropUdp),
      print: (l) => lines.push(l),
      clock,
      ...(opts.idleTimeoutMs ? { idleTimeoutMs: opts.idleTimeoutMs } : {}),
    });
    /** Type lines, wait for them to be handled, return what was printed meanwhile. */
    const type = async (...input: string[]): Promise<string[]> => {
      const from = lines.length;
      for (const l of input) await c.input(l);
      await tick();
      return lines.slice(from);
    };
    return { c, lines, type };
  };
  return { clock, server, client, out };
}

describe('ChatClient (with the server, in memory)', () => {
  it('scenario 1: chat opened and closed by A', async () => {
    const w = world();
    const a = w.client('A');
    const b = w.client('B');
    expect(await a.type('Log on')).toEqual(['Connected']);
    expect(await b.type('log ON')).toEqual(['Connected']);
    expect(await a.type('Chat B')).toEqual(['Chat started (session 1 with B)']);
    expect(b.lines.pop()).toBe('Chat started (session 1 with A)');
    await a.type('Hello B, "how" are you?');
    expect(b.lines.pop()).toBe('<A> Hello B, "how" are you?');
    await b.type('Très bien, 谢谢 👍');
    expect(a.lines.pop()).toBe('<B> Très bien, 谢谢 👍');
    expect(await a.type('End chat')).toEqual(['Chat ended']);
    expect(b.lines.pop()).toBe('Chat ended');
    expect(await a.type('Log off')).toEqual(['Logged off']);
    expect(a.c.state).toBe('offline');
    expect(w.server.connectedIds()).toEqual(['B']);
  });

  it('scenario 2: UNREACHABLE first, then chat opened by A and closed by B', async () => {
    const w = world();
    const a = w.client('A');
    const b = w.client('B');
    await a.type('Log on');
    expect(await a.type('Chat B')).toEqual(['Correspondent unreachable']);
    expect(a.c.state).toBe('connected');
    await b.type('Log on');
    expect(await a.type('Chat B')).toEqual(['Chat started (session 1 with B)']);
    await a.type('ping');
    await b.type('pong');
    expect(b.lines.slice(-2)).toEqual(['Chat started (session 1 with A)', '<A> ping']);
    expect(await b.type('End Chat')).toEqual(['Chat ended']);
    expect(a.lines.slice(-2)).toEqual(['<B> pong', 'Chat ended']);
    expect(await a.type('Log off')).toEqual(['Logged off']);
  });

  it('scenario 3: C refused while B is busy', async () => {
    const w = world();
    const a = w.client('A');
    const b = w.client('B');
    const c = w.client('C');
    await a.type('Log on');
    await b.type('Log on');
    await a.type('Chat B', 'hi');
    expect(await c.type('Log on')).toEqual(['Connected']);
    expect(await c.type('Chat B')).toEqual(['Correspondent unreachable']);
    expect(b.lines).toEqual(['Connected', 'Chat started (session 1 with A)', '<A> hi']);
  });

  it('scenario 4: history recall, in order, as "<session_id> <from> <message>"', async () => {
    const w = world();
    const a = w.client('A');
    const b = w.client('B');
    await a.type('Log on');
    await b.type('Log on');
    await a.type('Chat B', 'one, two', '"three"');
    await b.type('four');
    await a.type('End chat', 'Log off');
    await b.type('Log off', 'Log on');
    expect(await a.type('Log on', 'History B')).toEqual([
      'Connected',
      '1 A one, two',
      '1 A "three"',
      '1 B four',
      'End of history with B (3 messages)',
    ]);
  });

  it('holds typed lines until the pending answer comes, so scripts can type ahead', async () => {
    const w = world();
    const a = w.client('A');
    const b = w.client('B');
    await b.type('Log on');
    void a.c.input('Log on');
    void a.c.input('Chat B');
    await a.c.input('first message');
    await tick();
    expect(a.lines).toEqual(['Connected', 'Chat started (session 1 with B)']);
    expect(b.lines.pop()).toBe('<A> first message');
  });

  it('gives hints for commands out of place', async () => {
    const w = world();
    const a = w.client('A');
    expect(await a.type('hello')).toEqual(['Not connected; type "Log on" first']);
    expect(await a.type('Chat B')).toEqual(['Not connected; type "Log on" first']);
    expect(await a.type('Log off')).toEqual(['Not connected']);
    await a.type('Log on');
    expect(await a.type('Log on')).toEqual(['Connected (already logged on)']);
    expect((await a.type('hello'))[0]).toMatch(/^Not in a chat; type "Chat <client-ID>"/);
    expect(await a.type('End chat')).toEqual(['Not in a chat']);
    expect(await a.type('Chat bad/id')).toEqual(['Invalid client ID: bad/id']);
    expect(await a.type('   ')).toEqual([]);
  });

  it('reports a wrong key and an unknown ID', async () => {
    const w = world();
    expect(await w.client('A', 'wrong').type('Log on')).toEqual(['Authentication failed (wrong key)']);
    expect(await w.client('Z', 'x').type('Log on')).toEqual(['Authentication failed (unknown client ID)']);
  });

  it('retransmits HELLO and RESPONSE when datagrams are lost', async () => {
    const w = world();
    // Lose the first HELLO (0) and the first answer to the RESPONSE (after the CHALLENGE exchange).
    const lost = new Set([0, 4]);
    const a = w.client('A', 'keyA', { dropUdp: (n) => lost.has(n) });
    const done = a.c.input('Log on');
    for (let i = 0; i < 4 && a.lines.length === 0; i++) {
      await tick();
      w.clock.advance(1000);
      await tick();
    }
    await done;
    expect(a.lines).toEqual(['Connected']);
  });

  it('gives up after the retransmissions when the server never answers', async () => {
    const w = world();
    const a = w.client('A', 'keyA', { dropUdp: () => true });
    const done = a.c.input('Log on');
    for (let i = 0; i < 6; i++) {
      await tick();
      w.clock.advance(1000);
    }
    await done;
    expect(a.lines).toEqual(['Log on failed: no answer from server']);
    expect(a.c.state).toBe('offline');
  });

  it('shows the server activity timer: idle client disconnected, peer sees Chat ended', async () => {
    const w = world(60_000);
    const a = w.client('A');
    const b = w.client('B');
    await a.type('Log on');
    await b.type('Log on');
    await a.type('Chat B');
    w.clock.advance(30_000);
    await b.type('are you there?');
    w.clock.advance(30_000);
    await tick();
    expect(a.lines.slice(-3)).toEqual(['<B> are you there?', 'Chat ended', 'Disconnected (idle timeout)']);
    expect(b.lines.pop()).toBe('Chat ended');
    expect(b.c.state).toBe('connected');
    expect(await a.type('Log on')).toEqual(['Connected']);
  });

  it('client-side activity timer logs off by itself', async () => {
    const w = world();
    const a = w.client('A', 'keyA', { idleTimeoutMs: 5000 });
    await a.type('Log on');
    w.clock.advance(5000);
    await tick();
    expect(a.lines).toEqual(['Connected', 'Activity timer expired', 'Logged off']);
    expect(w.server.connectedIds()).toEqual([]);
  });

  it('log off in a chat ends the chat for both', async () => {
    const w = world();
    const a = w.client('A');
    const b = w.client('B');
    await a.type('Log on');
    await b.type('Log on');
    await a.type('Chat B');
    expect(await b.type('Log off')).toEqual(['Chat ended', 'Logged off']);
    expect(a.lines.pop()).toBe('Chat ended');
  });
});
