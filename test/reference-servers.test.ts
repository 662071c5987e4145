/**
 * The reference servers as programs (dist/apps/*), over real loopback sockets:
 * - each holds 1,000 simultaneous connects in its accept queue while it is stopped
 *   (SIGSTOP), so none of them needs a SYN retry, and serves them all once resumed;
 * - the chat server killed (SIGKILL) while 20 clients post and edit leaves a messagelog.txt
 *   of whole, consecutively numbered lines holding every post it had acknowledged.
 * Needs `npm run build` first (npm test does it).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LineClient } from '../src/bench/line-client.js';
import { ROOT } from './helpers/lab-cli.js';

const CONNECTS = 1000;
const children: ChildProcess[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const c of children.splice(0)) {
    if (c.exitCode === null && c.signalCode === null) {
      c.kill('SIGCONT');
      c.kill('SIGKILL');
    }
  }
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'netlab-refsrv-'));
  dirs.push(d);
  return d;
}

/** Start a built server program in `cwd`; resolves with the first stdout match of `ready`. */
async function startServer(program: string, args: string[], cwd: string, ready: RegExp): Promise<{ child: ChildProcess; match: RegExpMatchArray; stdout: () => string }> {
  const script = join(ROOT, 'dist', 'apps', program);
  if (!existsSync(script)) throw new Error(`${script} is missing: run npm run build first`);
  const child = spawn(process.execPath, [script, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const match = await new Promise<RegExpMatchArray>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = out.match(ready);
      if (m) resolve(m);
    });
    child.once('exit', (code) => reject(new Error(`${program} exited (${code}) before it was ready: ${err}`)));
  });
  return { child, match, stdout: () => out };
}

/** A free TCP port on this machine (for the chat server, which refuses port 0). */
async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** Connections waiting in the accept queue of the socket listening on `port` (/proc/net/tcp, tcp6). */
function acceptQueue(port: number): number {
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  let total = 0;
  for (const f of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(f, 'utf8').split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 5 || cols[3] !== '0A' || !cols[1]!.endsWith(`:${hex}`)) continue;
      total += parseInt(cols[4]!.split(':')[1]!, 16);
    }
  }
  return total;
}

/**
 * Stop the server, connect CONNECTS clients, and require every connect to complete while
 * it cannot accept (the kernel completes handshakes only for connections that fit the
 * accept queue; the others would wait for a SYN retry a second later, and with a backlog
 * below CONNECTS this test never gets past the Promise.all). Then resume it and let
 * `served` check each connection got an answer.
 */
async function thousandConnects(child: ChildProcess, port: number, served: (c: LineClient) => Promise<void>): Promise<void> {
  child.kill('SIGSTOP');
  const clients: LineClient[] = [];
  try {
    const opened = await Promise.all(Array.from({ length: CONNECTS }, () => LineClient.open(port)));
    clients.push(...opened);
    expect(acceptQueue(port)).toBe(CONNECTS);
    child.kill('SIGCONT');
    await Promise.all(clients.map(served));
  } finally {
    child.kill('SIGCONT');
    for (const c of clients) c.close();
  }
}

describe('reference servers hold a lecture hall of simultaneous connects', () => {
  it('bluetrace-server', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'credentials.txt'), '+61410000001 pw\n');
    const { child, match } = await startServer('bluetrace/server-main.js', ['0', '10'], dir, /listening on port (\d+)/);
    await thousandConnects(child, Number(match[1]), async (c) => expect(await c.next()).toContain('"hello"'));
  });

  it('chat-server', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'credentials.txt'), 'jess 123\n');
    const port = await freePort();
    const { child } = await startServer('chat/server-main.js', [String(port), '3'], dir, /listening on port/);
    await thousandConnects(child, port, async (c) => expect(await c.next()).toContain('"hello"'));
  });

  it('crchat-server', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'subscribers.txt'), 'A keyA\n');
    const { child, match } = await startServer('crchat/server-main.js', ['0', '--tcp-port', '0'], dir, /and TCP (\d+);/);
    // crchat says nothing first; a bad first frame is answered by closing, which proves it was served.
    await thousandConnects(child, Number(match[1]), async (c) => {
      c.socket.write(Buffer.from([0, 0, 0, 3, 0x78, 0x78, 0x78]));
      await expect(c.next()).rejects.toThrow('closed');
    });
  });
});

describe('chat-server killed mid-write', () => {
  it('leaves messagelog.txt as whole, consecutive lines with every acknowledged post', async () => {
    const USERS = 20;
    const dir = tempDir();
    writeFileSync(join(dir, 'credentials.txt'), Array.from({ length: USERS }, (_, i) => `user${i} pw${i}\n`).join(''));
    const port = await freePort();
    const { child } = await startServer('chat/server-main.js', [String(port), '3'], dir, /listening on port/);
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    /** Acknowledged posts by number: author, text as posted, text as edited (once the edit is acknowledged). */
    const acked = new Map<number, { author: string; text: string; edited?: string }>();
    const clients = await Promise.all(Array.from({ length: USERS }, () => LineClient.open(port)));
    let stop = false;
    const KILL_AFTER = 3000;
    const work = clients.map(async (c, i) => {
      const ask = async (frame: object): Promise<Record<string, unknown> & { data?: { number: number; ts: string } }> =>
        JSON.parse(await c.ask(JSON.stringify({ v: 1, ...frame }))) as never;
      await c.next(); // hello
      await ask({ t: 'user', id: 1, name: `user${i}` });
      expect((await ask({ t: 'pass', id: 2, password: `pw${i}`, udpPort: 7000 + i })).t).toBe('ok');
      try {
        for (let k = 0; !stop; k++) {
          const text = `post ${k} from user${i}; with a semicolon`;
          const r = await ask({ t: 'msg', id: 3 + 2 * k, text });
          const n = r.data!.number;
          acked.set(n, { author: `user${i}`, text });
          if (acked.size >= KILL_AFTER && !stop) {
            stop = true;
            child.kill('SIGKILL');
          }
          // Every third post is edited at once: a whole-file rewrite while the others append.
          if (k % 3 === 0) {
            const e = await ask({ t: 'edt', id: 4 + 2 * k, n, ts: r.data!.ts, text: `edited ${text}` });
            if (e.t === 'ok') acked.get(n)!.edited = `edited ${text}`;
          }
        }
      } catch {
        // The server is gone: this client's last request got no answer.
      }
    });
    await Promise.all(work);
    await exited;
    for (const c of clients) c.close();
    expect(child.signalCode).toBe('SIGKILL');

    const text = readFileSync(join(dir, 'messagelog.txt'), 'utf8');
    const lines = text.split('\n');
    // Whatever follows the last newline is a line the server was writing when it died (never acknowledged).
    const torn = lines.pop()!;
    const re = /^(\d+); (\d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d); (user\d+); (.*); (yes|no)$/;
    const parsed = lines.map((l, i) => {
      const m = re.exec(l);
      expect(m, `line ${i + 1}: ${JSON.stringify(l)}`).not.toBeNull();
      expect(Number(m![1]), `line ${i + 1} is numbered`).toBe(i + 1);
      return { author: m![3]!, text: m![4]!, edited: m![5] === 'yes' };
    });
    expect(torn.length === 0 || !torn.includes('\n')).toBe(true);
    expect(acked.size).toBeGreaterThanOrEqual(KILL_AFTER);
    for (const [n, a] of acked) {
      const line = parsed[n - 1];
      expect(line, `acknowledged post #${n} is in messagelog.txt`).toBeDefined();
      expect(line!.author).toBe(a.author);
      if (a.edited) expect(line).toEqual({ author: a.author, text: a.edited, edited: true });
      else expect([a.text, `edited ${a.text}`]).toContain(line!.text);
    }
    const users = readFileSync(join(dir, 'userlog.txt'), 'utf8').split('\n').filter(Boolean);
    expect(users).toHaveLength(USERS);
    users.forEach((l, i) => expect(l).toMatch(new RegExp(`^${i + 1}; \\d\\d [A-Z][a-z]{2} \\d{4} \\d\\d:\\d\\d:\\d\\d; user\\d+; 127\\.0\\.0\\.1; \\d+$`)));
  });
});
