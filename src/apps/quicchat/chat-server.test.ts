import { describe, expect, it } from 'vitest';
import { duplexPair } from '../common/duplex-pair.js';
import { ManualClock } from '../common/manual-clock.js';
import { ChatClient } from './chat-client.js';
import { ChatServer } from './chat-server.js';
import { ChatState } from './chat-state.js';
import { encodePdu, MType } from './pdu.js';
import { PduFramer } from './pdu-framer.js';
import { UserDb } from './user-db.js';

const users = UserDb.fromPairs([
  ['alice', 'p1'],
  ['bob', 'p2'],
  ['cam', 'p3'],
]);

interface Term {
  client: ChatClient;
  out: string[];
  exitCode: Promise<number>;
  /** Resolves with the first printed line matching re (past or future). */
  saw(re: RegExp): Promise<string>;
  type(...lines: string[]): void;
}

function setup(limits = {}) {
  const clock = new ManualClock();
  const logs: string[] = [];
  const server = new ChatServer({ users, clock, log: (l) => logs.push(l), limits });
  const term = (versions?: number[]): Term => {
    const [a, b] = duplexPair();
    server.attachStream(a, `10.0.0.${server.sessions.size + 1}:5000`);
    const out: string[] = [];
    const waiters: Array<{ re: RegExp; resolve: (l: string) => void }> = [];
    let exit: (c: number) => void = () => {};
    const exitCode = new Promise<number>((r) => (exit = r));
    const push = (l: string): void => {
      out.push(l);
      for (const w of [...waiters]) {
        if (!w.re.test(l)) continue;
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(l);
      }
    };
    const client = new ChatClient({ ...(versions ? { versions } : {}), clock, print: push, prompt: push, exit });
    client.attach(b);
    return {
      client,
      out,
      exitCode,
      saw: (re) => {
        const hit = out.find((l) => re.test(l));
        return hit !== undefined ? Promise.resolve(hit) : new Promise((resolve) => waiters.push({ re, resolve }));
      },
      type: (...lines) => lines.forEach((l) => client.input(l)),
    };
  };
  const login = async (user: string, pass: string): Promise<Term> => {
    const t = term();
    t.type(user, pass);
    await t.saw(new RegExp(`^Logged in as ${user}`));
    return t;
  };
  return { clock, server, logs, term, login };
}

describe('quicchat server and client, over in-memory streams', () => {
  it('negotiates the version, logs in with ids counting up, and tells the others', async () => {
    const { login } = setup();
    const a = await login('alice', 'p1');
    expect(a.out.slice(0, 3)).toEqual(['Connected to the chat server (protocol version 1)', 'Enter username: ', 'Enter password: ']);
    expect(a.client.dfa.state).toBe(ChatState.AUTHENTICATED);
    const b = await login('bob', 'p2');
    expect(b.out).toContain('Logged in as bob (user id 2)');
    expect(b.out).toContain('Online: 1 alice');
    await a.saw(/^\[server\] bob \(user 2\) logged in$/);
  });

  it('1:1, 1:n with an inactive target, broadcast to all including the sender', async () => {
    const { login } = setup();
    const a = await login('alice', 'p1');
    const b = await login('bob', 'p2');
    const c = await login('cam', 'p3');
    a.type('2: hi bob');
    expect(await b.saw(/hi bob/)).toBe('[1 alice] hi bob');
    c.type('logout');
    expect(await c.exitCode).toBe(0);
    a.type('2,3,9: meeting');
    expect(await b.saw(/meeting/)).toBe('[1 alice to 2,3,9] meeting');
    expect(await a.saw(/Not delivered/)).toBe('Not delivered to user(s) 3,9: not active');
    b.type('0: morning');
    await a.saw(/^\[2 bob to everyone\] morning$/);
    await b.saw(/^\[2 bob to everyone\] morning$/);
    expect(a.client.dfa.state).toBe(ChatState.SENDING_MESSAGE);
  });

  it('three wrong logins: LOGIN_RETRY twice, then LOGIN_DISCONNECT and the end', async () => {
    const { term, server } = setup();
    const t = term();
    t.type('alice', 'x', 'alice', 'y', 'alice', 'z');
    await t.saw(/2 attempt\(s\) left/);
    await t.saw(/1 attempt\(s\) left/);
    await t.saw(/^Disconnected by the server: too many failed login attempts$/);
    expect(await t.exitCode).toBe(1);
    expect(server.sessions.size).toBe(0);
  });

  it('the same user twice is refused; logout is broadcast', async () => {
    const { term, login } = setup();
    const a = await login('alice', 'p1');
    const again = term();
    again.type('alice', 'p1');
    await again.saw(/^Login failed: alice is already logged in/);
    again.type('bob', 'p2');
    await again.saw(/^Logged in as bob/);
    a.type('logout');
    await again.saw(/^\[server\] alice \(user 1\) logged out$/);
  });

  it('a client offering only an unknown version gets VERSIONS with the supported list and a clean close', async () => {
    const { term, server, logs } = setup();
    const t = term([7, 9]);
    expect(await t.saw(/Version mismatch/)).toBe('Version mismatch: the server supports version 1, this client offered 7,9');
    expect(await t.exitCode).toBe(1);
    expect(t.out).not.toContain('Enter username: ');
    expect(server.sessions.size).toBe(0);
    expect(logs.some((l) => l.includes('version mismatch'))).toBe(true);
  });

  it('keep-alive: an idle client that sends ALIVE stays; a silent one is dropped and reported', async () => {
    const { clock, server, login } = setup({ silenceTimeoutMs: 90_000 });
    const a = await login('alice', 'p1');
    const b = await login('bob', 'p2');
    // Five minutes of idleness: ALIVE every 30 s keeps both in.
    for (let i = 0; i < 10; i++) {
      clock.advance(30_000);
      await new Promise((r) => setImmediate(r));
    }
    expect(server.byId.size).toBe(2);
    // bob's client goes quiet (its process hangs): after 90 s of silence the server drops it.
    b.client.stopKeepAlive();
    for (let i = 0; i < 4; i++) {
      clock.advance(30_000);
      await new Promise((r) => setImmediate(r));
    }
    expect(await a.saw(/bob/)).toMatch(/bob \(user 2\) logged in/);
    await a.saw(/^\[server\] bob \(user 2\) left \(silent \(no keep-alive\)\)$/);
    expect([...server.byId.keys()]).toEqual([1]);
  });

  it('login timeout: a connection that never logs in gets LOGIN_DISCONNECT after 60 s', async () => {
    const { clock, term, server } = setup();
    const t = term();
    await t.saw(/Enter username/);
    clock.advance(59_999);
    expect(server.sessions.size).toBe(1);
    clock.advance(1);
    expect(await t.saw(/Disconnected/)).toBe('Disconnected by the server: login timeout');
    expect(server.sessions.size).toBe(0);
  });

  it('bad PDUs get MSG_UNSUCCESSFUL and the session goes on; an oversized frame closes it', async () => {
    const { server } = setup();
    const [a, b] = duplexPair();
    const s = server.attachStream(a, 'raw')!;
    const got: number[] = [];
    const framer = new PduFramer();
    b.on('data', (c: Buffer) => framer.push(c).forEach((p) => 'mtype' in p && got.push(p.mtype)));
    b.write('nonsense\n');
    b.write('{"version":1,"mtype":17,"msg":"{}"}\n'); // LOGIN_ACK: not for a server
    b.write(encodePdu(MType.BROADCAST, { text: 'before login' }));
    b.write(encodePdu(MType.VERSIONS, { versions: [1] }));
    await new Promise((r) => setTimeout(r, 10));
    expect(got).toEqual([MType.MSG_UNSUCCESSFUL, MType.MSG_UNSUCCESSFUL, MType.MSG_UNSUCCESSFUL, MType.VERSIONS]);
    expect(s.dfa.state).toBe(ChatState.CONNECTED);
    const closed = new Promise((r) => b.once('end', r));
    b.write(Buffer.alloc(20_000, 0x7b));
    await closed;
    expect(s.isEnded).toBe(true);
    expect(server.sessions.size).toBe(0);
  });
});
