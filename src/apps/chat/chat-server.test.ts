import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { duplexPair } from '../common/duplex-pair.js';
import { ManualClock } from '../common/manual-clock.js';
import { ChatServer } from './chat-server.js';
import { CredentialStore } from './credential-store.js';
import { encodeFrame, FrameReader, type ChatFrame } from './frame-reader.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function setup(maxAttempts = 3) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chat-server-'));
  dirs.push(dir);
  fs.writeFileSync(path.join(dir, 'credentials.txt'), 'jess 123\nsteve abc\nbob pw\n');
  const clock = new ManualClock(Date.UTC(2021, 3, 25, 5, 26, 30));
  const credentials = CredentialStore.load(path.join(dir, 'credentials.txt')).store;
  const logLines: string[] = [];
  const server = new ChatServer({ clock, credentials, maxAttempts, blockMs: 10_000, logDir: dir, log: (l) => logLines.push(l) });
  const read = (name: string): string => fs.readFileSync(path.join(dir, name), 'utf8');
  return { dir, clock, server, read, logLines };
}

/** A raw protocol client: sends frames, awaits the next frame. */
function connect(server: ChatServer, ip: string) {
  const [clientEnd, serverEnd] = duplexPair();
  server.attach(serverEnd, ip);
  const reader = new FrameReader();
  const frames: ChatFrame[] = [];
  const waiters: (() => void)[] = [];
  let ended = false;
  clientEnd.on('error', () => {});
  clientEnd.on('data', (c: Buffer) => {
    for (const ev of reader.push(c)) if (ev.kind === 'frame') frames.push(ev.frame);
    waiters.splice(0).forEach((w) => w());
  });
  clientEnd.on('end', () => {
    ended = true;
    waiters.splice(0).forEach((w) => w());
  });
  let id = 0;
  const next = async (): Promise<ChatFrame> => {
    while (frames.length === 0) {
      if (ended) throw new Error('connection ended');
      await new Promise<void>((r) => waiters.push(r));
    }
    return frames.shift()!;
  };
  const req = async (t: string, fields: Record<string, unknown> = {}): Promise<ChatFrame> => {
    clientEnd.write(encodeFrame(t, { id: ++id, ...fields }));
    return next();
  };
  const c = {
    stream: clientEnd,
    next,
    req,
    /** Reply lines joined, or the error text. */
    say: async (t: string, fields: Record<string, unknown> = {}): Promise<string> => {
      const f = await req(t, fields);
      return f.t === 'ok' ? (f.lines as string[]).join('\n') : `ERR ${String(f.code)}: ${String(f.text)}`;
    },
    login: async (name: string, password: string, udpPort = 7000): Promise<string> => {
      const u = await c.say('user', { name });
      if (u.startsWith('ERR')) return u;
      return c.say('pass', { password, udpPort });
    },
    ended: () => ended,
  };
  return c;
}

async function greeted(server: ChatServer, ip: string) {
  const c = connect(server, ip);
  expect(await c.next()).toMatchObject({ v: 1, t: 'hello' });
  return c;
}

describe('login', () => {
  it('logs in, shows the other active users, writes userlog.txt', async () => {
    const { server, read, clock } = setup();
    const steve = await greeted(server, '::ffff:10.0.0.3');
    expect(await steve.login('steve', 'abc', 7002)).toBe('Welcome to the chat server, steve!\nNo other active users.');
    clock.advance(2000);
    const jess = await greeted(server, '10.0.0.2');
    expect(await jess.login('jess', '123', 7001)).toBe(
      'Welcome to the chat server, jess!\nOther active users:\nsteve, 10.0.0.3, 7002, active since 25 Apr 2021 05:26:30.',
    );
    expect(read('userlog.txt')).toBe('1; 25 Apr 2021 05:26:30; steve; 10.0.0.3; 7002\n2; 25 Apr 2021 05:26:32; jess; 10.0.0.2; 7001\n');
  });

  it('distinguishes unknown user, wrong password, the blocking failure and login while blocked', async () => {
    const { server, clock } = setup(3);
    const a = await greeted(server, '10.0.0.2');
    expect(await a.say('user', { name: 'nobody' })).toMatch(/^ERR unknown-user: Unknown username "nobody"/);
    expect(await a.say('user', { name: 'jess' })).toBe('');
    expect(await a.say('pass', { password: 'x', udpPort: 1 })).toBe(
      'ERR wrong-password: Invalid password. Please try again (2 attempt(s) left).',
    );
    expect(await a.say('pass', { password: 'y', udpPort: 1 })).toMatch(/1 attempt\(s\) left/);
    expect(await a.say('pass', { password: 'z', udpPort: 1 })).toBe(
      'ERR blocked-now: Invalid password. Your account has been blocked for 10 second(s) after 3 consecutive failed attempt(s). Please try again later.',
    );
    await expect(a.next()).rejects.toThrow('connection ended');
    // From another IP, with the right password, still blocked.
    clock.advance(3000);
    const b = await greeted(server, '10.0.0.9');
    expect(await b.say('user', { name: 'jess' })).toBe(
      'ERR blocked: Your account is blocked due to multiple login failures. Please try again in 7 second(s).',
    );
    // Other accounts are unaffected.
    const c = await greeted(server, '10.0.0.9');
    expect(await c.login('steve', 'abc')).toMatch(/^Welcome/);
    // The block lifts.
    clock.advance(7000);
    const d = await greeted(server, '10.0.0.9');
    expect(await d.login('jess', '123')).toMatch(/^Welcome to the chat server, jess!/);
  });

  it('counts failures across connections and resets them on success', async () => {
    const { server } = setup(2);
    const a = await greeted(server, '10.0.0.2');
    await a.say('user', { name: 'jess' });
    expect(await a.say('pass', { password: 'bad', udpPort: 1 })).toMatch(/1 attempt/);
    expect(await a.say('pass', { password: '123', udpPort: 1 })).toMatch(/^Welcome/);
    const b = await greeted(server, '10.0.0.3');
    await b.say('user', { name: 'steve' });
    expect(await b.say('pass', { password: 'bad', udpPort: 1 })).toMatch(/1 attempt/);
    const c = await greeted(server, '10.0.0.4');
    await c.say('user', { name: 'steve' });
    expect(await c.say('pass', { password: 'bad', udpPort: 1 })).toMatch(/^ERR blocked-now/);
  });

  it('refuses a second concurrent login of the same user', async () => {
    const { server } = setup();
    const a = await greeted(server, '10.0.0.2');
    await a.login('jess', '123');
    const b = await greeted(server, '10.0.0.3');
    expect(await b.login('jess', '123')).toBe('ERR already-logged-in: jess is already logged in from 10.0.0.2; log out there first.');
  });

  it('registers a new user and changes a password, persisting credentials.txt', async () => {
    const { server, read } = setup();
    const a = await greeted(server, '10.0.0.2');
    expect(await a.say('register', { name: 'jess', password: 'x', udpPort: 1 })).toMatch(/^ERR user-exists/);
    expect(await a.say('register', { name: 'no/good', password: 'x', udpPort: 1 })).toMatch(/^ERR bad-request: Invalid username/);
    expect(await a.say('register', { name: 'amy', password: 'pw1', udpPort: 7005 })).toBe(
      'Registered new user amy.\nWelcome to the chat server, amy!\nNo other active users.',
    );
    expect(read('credentials.txt')).toContain('amy pw1\n');
    expect(await a.say('pwd', { old: 'nope', new: 'pw2' })).toBe(
      'ERR wrong-password: The current password is wrong; password not changed.',
    );
    expect(await a.say('pwd', { old: 'pw1', new: 'pw2' })).toBe('Password changed.');
    expect(read('credentials.txt')).toContain('amy pw2\n');
    await a.say('out');
    const b = await greeted(server, '10.0.0.2');
    expect(await b.login('amy', 'pw2')).toMatch(/^Welcome/);
  });
});

describe('board commands', () => {
  it('MSG, EDT, DLT by the author only with a matching timestamp, RDM, messagelog.txt', async () => {
    const { server, clock, read } = setup();
    const jess = await greeted(server, '10.0.0.2');
    const steve = await greeted(server, '10.0.0.3');
    await jess.login('jess', '123');
    await steve.login('steve', 'abc');
    clock.advance(71_000); // 05:27:41
    expect(await jess.say('msg', { text: 'i want to leave' })).toBe('Message #1 posted at 25 Apr 2021 05:27:41.');
    clock.advance(5000);
    expect(await steve.say('msg', { text: 'not valid; tho' })).toBe('Message #2 posted at 25 Apr 2021 05:27:46.');
    clock.advance(2000);
    expect(await jess.say('msg', { text: 'lol' })).toBe('Message #3 posted at 25 Apr 2021 05:27:48.');
    expect(read('messagelog.txt')).toBe(
      '1; 25 Apr 2021 05:27:41; jess; i want to leave; no\n2; 25 Apr 2021 05:27:46; steve; not valid; tho; no\n3; 25 Apr 2021 05:27:48; jess; lol; no\n',
    );
    // Permission and timestamp checks.
    expect(await steve.say('dlt', { n: '#1', ts: '25 Apr 2021 05:27:41' })).toBe(
      'ERR not-author: Message #1 was posted by jess; you can only delete your own messages.',
    );
    expect(await steve.say('edt', { n: '#1', ts: '25 Apr 2021 05:27:41', text: 'x' })).toMatch(/you can only edit your own/);
    expect(await jess.say('dlt', { n: '#1', ts: '25 Apr 2021 05:27:42' })).toBe(
      'ERR timestamp-mismatch: The timestamp does not match message #1 (its timestamp is 25 Apr 2021 05:27:41).',
    );
    expect(await jess.say('dlt', { n: '#9', ts: '25 Apr 2021 05:27:41' })).toBe('ERR no-such-message: Message #9 does not exist.');
    expect(await jess.say('dlt', { n: '#1', ts: 'yesterday' })).toMatch(/^ERR bad-timestamp/);
    // Edit moves the timestamp and sets "yes".
    clock.advance(10_000); // 05:27:58
    expect(await steve.say('edt', { n: '#2', ts: '25 Apr 2021 05:27:46', text: 'ok then' })).toBe(
      'Message #2 edited at 25 Apr 2021 05:27:58.',
    );
    // Delete renumbers.
    expect(await jess.say('dlt', { n: '#1', ts: '25 Apr 2021 05:27:41' })).toBe('Message #1 deleted at 25 Apr 2021 05:27:58.');
    expect(read('messagelog.txt')).toBe('1; 25 Apr 2021 05:27:58; steve; ok then; yes\n2; 25 Apr 2021 05:27:48; jess; lol; no\n');
    expect(await steve.say('rdm', { ts: '25 Apr 2021 05:27:48' })).toBe(
      'Messages after 25 Apr 2021 05:27:48:\n#1 steve: ok then (edited at 25 Apr 2021 05:27:58)',
    );
    expect(await steve.say('rdm', { ts: '25 Apr 2021 06:00:00' })).toBe('No messages after 25 Apr 2021 06:00:00.');
    expect(await steve.say('msg', { text: '   ' })).toBe('ERR bad-request: The message is empty.');
    expect(await steve.say('msg', { text: 'x'.repeat(5000) })).toMatch(/^ERR too-long/);
  });

  it('ATU lists the others; OUT and dropped connections leave userlog.txt renumbered', async () => {
    const { server, read, clock, logLines } = setup();
    const a = await greeted(server, '10.0.0.2');
    const b = await greeted(server, '10.0.0.3');
    const c = await greeted(server, '10.0.0.4');
    await a.login('jess', '123', 7001);
    clock.advance(1000);
    await b.login('steve', 'abc', 7002);
    clock.advance(1000);
    await c.login('bob', 'pw', 7003);
    expect(await b.say('atu')).toBe(
      'Other active users:\njess, 10.0.0.2, 7001, active since 25 Apr 2021 05:26:30.\nbob, 10.0.0.4, 7003, active since 25 Apr 2021 05:26:32.',
    );
    expect(await a.say('out')).toBe('Bye, jess!');
    expect(read('userlog.txt')).toBe('1; 25 Apr 2021 05:26:31; steve; 10.0.0.3; 7002\n2; 25 Apr 2021 05:26:32; bob; 10.0.0.4; 7003\n');
    b.stream.destroy(); // vanishes without OUT
    await new Promise<void>((r) => setImmediate(r));
    await c.say('ping');
    // Nobody waits for a drop's rewrite (it may pause behind the OUT's), so wait for the files.
    await server.files.idle();
    expect(read('userlog.txt')).toBe('1; 25 Apr 2021 05:26:32; bob; 10.0.0.4; 7003\n');
    expect(logLines).toContain('steve disconnected without logging out; removed from userlog.txt.');
    expect(await c.say('atu')).toBe('No other active users.');
    expect(await c.say('whereis', { user: 'steve' })).toBe('ERR not-active: steve is not active.');
  });

  it('refuses commands before login and unknown request types', async () => {
    const { server } = setup();
    const a = await greeted(server, '10.0.0.2');
    expect(await a.say('msg', { text: 'hi' })).toBe('ERR not-logged-in: Log in first.');
    expect(await a.say('launch')).toBe('ERR unknown-type: Unknown request type "launch".');
    expect(await a.say('pass', { password: 'x', udpPort: 1 })).toBe('ERR bad-request: Send a username first.');
    await a.login('jess', '123');
    expect(await a.say('user', { name: 'steve' })).toBe('ERR bad-request: You are already logged in as jess.');
    expect(await a.say('toString')).toMatch(/unknown-type/);
  });
});

describe('robustness', () => {
  it('bad and oversized frames hurt only their own connection', async () => {
    const { server } = setup();
    const good = await greeted(server, '10.0.0.2');
    await good.login('jess', '123');
    const bad = await greeted(server, '10.0.0.3');
    bad.stream.write('this is not json\n');
    expect(await bad.next()).toMatchObject({ t: 'err', code: 'bad-frame' });
    bad.stream.write('{"v":2,"t":"msg"}\n[1,2]\n');
    expect(await bad.next()).toMatchObject({ t: 'err', code: 'bad-frame', text: expect.stringContaining('version') });
    expect(await bad.next()).toMatchObject({ t: 'err', code: 'bad-frame' });
    expect(await bad.say('user', { name: 'steve' })).toBe(''); // still usable
    bad.stream.write(Buffer.alloc(70_000, 0x61));
    expect(await bad.next()).toMatchObject({ t: 'err', code: 'too-long' });
    await expect(bad.next()).rejects.toThrow('connection ended');
    expect(await good.say('msg', { text: 'still here' })).toBe('Message #1 posted at 25 Apr 2021 05:26:30.');
  });

  it('splits long replies over several frames', async () => {
    const { server } = setup();
    const a = await greeted(server, '10.0.0.2');
    await a.login('jess', '123');
    for (let i = 0; i < 40; i++) await a.req('msg', { text: `${i} ${'z'.repeat(4000)}` });
    const first = await a.req('rdm', { ts: '01 Jan 2000 00:00:00' });
    expect(first.more).toBe(true);
    let lines = (first.lines as string[]).length;
    for (;;) {
      const f = await a.next();
      lines += (f.lines as string[]).length;
      if (!f.more) break;
    }
    expect(lines).toBe(41);
  });

  it('logs in 2,000 users: every welcome fits the frame limit, the last lists all 1,999 others', async () => {
    const USERS = 2000;
    const { dir, clock, read } = setup();
    fs.writeFileSync(path.join(dir, 'credentials.txt'), Array.from({ length: USERS }, (_, i) => `u${i} p${i}\n`).join(''));
    const credentials = CredentialStore.load(path.join(dir, 'credentials.txt')).store;
    const server = new ChatServer({ clock, credentials, maxAttempts: 3, blockMs: 10_000, logDir: dir });
    // The first 1,999 log in, 100 at a time; each reads its (paged) welcome to the end.
    for (let b = 0; b < USERS - 1; b += 100) {
      await Promise.all(
        Array.from({ length: Math.min(100, USERS - 1 - b) }, async (_, j) => {
          const i = b + j;
          const c = await greeted(server, `10.1.${i >> 8}.${i & 255}`);
          await c.say('user', { name: `u${i}` });
          let f = await c.req('pass', { password: `p${i}`, udpPort: 7000 });
          while (f.more === true) f = await c.next();
          expect(f).toMatchObject({ t: 'ok', data: { user: `u${i}` } });
        }),
      );
    }
    const last = await greeted(server, '10.9.9.9');
    await last.say('user', { name: `u${USERS - 1}` });
    const sizes: number[] = [];
    const lines: string[] = [];
    last.stream.on('data', (d: Buffer) => sizes.push(...d.toString().split('\n').filter(Boolean).map((l) => Buffer.byteLength(l))));
    let f = await last.req('pass', { password: `p${USERS - 1}`, udpPort: 7999 });
    for (;;) {
      expect(f.t).toBe('ok');
      lines.push(...(f.lines as string[]));
      if (f.more !== true) break;
      f = await last.next();
    }
    expect(f.data).toEqual({ user: `u${USERS - 1}`, otherUsers: USERS - 1 });
    expect(lines.slice(0, 2)).toEqual([`Welcome to the chat server, u${USERS - 1}!`, 'Other active users:']);
    expect(lines).toHaveLength(USERS + 1);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(65_536);
    expect(sizes.length).toBeGreaterThan(1);
    // ATU pages the same way.
    let a = await last.req('atu');
    let atuLines = 0;
    for (;;) {
      atuLines += (a.lines as string[]).length;
      if (a.more !== true) break;
      a = await last.next();
    }
    expect(atuLines).toBe(USERS);
    await server.files.idle();
    expect(read('userlog.txt').split('\n').filter(Boolean)).toHaveLength(USERS);
  }, 120_000);

  it('a login whose welcome cannot be sent is not half-done', async () => {
    const { server, read } = setup();
    const a = await greeted(server, '10.0.0.2');
    await a.say('user', { name: 'jess' });
    const session = [...(server as unknown as { sessions: Set<{ encodeReply: () => never }> }).sessions][0]!;
    const real = session.encodeReply;
    session.encodeReply = () => {
      throw new RangeError('frame of 65656 bytes exceeds 65536');
    };
    expect(await a.say('pass', { password: '123', udpPort: 7001 })).toBe('ERR internal: Internal server error; request not completed.');
    session.encodeReply = real;
    expect(server.active.find('jess')).toBeUndefined();
    expect(await a.say('msg', { text: 'hi' })).toBe('ERR not-logged-in: Log in first.');
    await server.files.idle();
    expect(read('userlog.txt')).toBe('');
    // It can simply log in again.
    await a.say('user', { name: 'jess' });
    expect(await a.say('pass', { password: '123', udpPort: 7001 })).toMatch(/^Welcome to the chat server, jess!/);
  });
});
