import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { duplexPair } from '../common/duplex-pair.js';
import { ManualClock } from '../common/manual-clock.js';
import { ChatClient, printPeerEvents } from './chat-client.js';
import { ChatServer } from './chat-server.js';
import { CredentialStore } from './credential-store.js';
import { MemoryDatagramNetwork } from './memory-datagram-network.js';
import { PeerLink } from './peer-link.js';
import { seededRandom } from './seeded-random.js';
import { ServerLink } from './server-link.js';
import { TerminalOutput } from './terminal-output.js';

const dirs: string[] = [];
const links: PeerLink[] = [];
afterEach(() => {
  for (const l of links.splice(0)) l.close();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function world(options: { loss?: number } = {}) {
  const clock = new ManualClock(Date.UTC(2021, 3, 25, 5, 26, 30));
  const server = new ChatServer({
    clock,
    credentials: CredentialStore.parse('jess 123\nsteve abc\nbob pw\n'),
    maxAttempts: 2,
    blockMs: 10_000,
  });
  const net = new MemoryDatagramNetwork({ loss: options.loss ?? 0, random: seededRandom(11) });
  let host = 1;
  const client = (udpPort: number) => {
    const ip = `10.0.0.${++host}`;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chat-client-'));
    dirs.push(dir);
    const [a, b] = duplexPair();
    server.attach(b, ip);
    let screen = '';
    const waiters: (() => void)[] = [];
    const out = new TerminalOutput((t) => {
      screen += t;
      waiters.splice(0).forEach((w) => w());
    });
    const peer = new PeerLink(net.port(ip, udpPort), {
      dir,
      events: printPeerEvents(out),
      tuning: { initialRtoMs: 20, minRtoMs: 10, maxRtoMs: 100, chunkSize: 4096 },
    });
    links.push(peer);
    let exitCode: number | undefined;
    const c = new ChatClient({
      link: new ServerLink(a),
      peer,
      out,
      udpPort,
      cwd: dir,
      exit: (code) => {
        exitCode = code;
        waiters.splice(0).forEach((w) => w());
      },
    });
    void c.start();
    /** Wait until the screen contains `text` (no sleeps: woken by output). */
    const until = async (text: string | RegExp): Promise<string> => {
      const has = () => (typeof text === 'string' ? screen.includes(text) : text.test(screen));
      while (!has()) await new Promise<void>((r) => waiters.push(r));
      return screen;
    };
    const type = (...lines: string[]) => lines.forEach((l) => c.input(l));
    const exited = async (): Promise<number> => {
      while (exitCode === undefined) await new Promise<void>((r) => waiters.push(r));
      return exitCode;
    };
    return { ip, dir, type, until, screen: () => screen, exited, end: () => c.endInput() };
  };
  return { server, clock, client };
}

describe('chat client', () => {
  it('prompts without newlines, breaks the line before the next output, and logs in', async () => {
    const w = world();
    const jess = w.client(7001);
    await jess.until('Username: ');
    expect(jess.screen()).toBe('Username: ');
    jess.type('nobody');
    await jess.until('Unknown username');
    jess.type('jess');
    await jess.until('Password: ');
    jess.type('bad');
    await jess.until('1 attempt(s) left');
    jess.type('123');
    await jess.until('Commands:');
    expect(jess.screen()).toBe(
      [
        'Username: ',
        'Unknown username "nobody". Try again, or type REG <username> <password> to register.',
        'Username: ',
        'Password: ',
        'Invalid password. Please try again (1 attempt(s) left).',
        'Password: ',
        'Welcome to the chat server, jess!',
        'No other active users.',
        'Commands: MSG <message> | DLT #<n> <timestamp> | EDT #<n> <timestamp> <message> | RDM <timestamp> | ATU | UPD <user> <file> | DM <user> <message> | PWD <old password> <new password> | OUT',
        '',
      ].join('\n'),
    );
  });

  it('exits when blocked, and a later login while blocked exits too', async () => {
    const w = world();
    const a = w.client(7001);
    a.type('jess', 'x', 'y');
    expect(await a.exited()).toBe(1);
    expect(a.screen()).toContain('Invalid password. Your account has been blocked for 10 second(s) after 2 consecutive failed attempt(s). Please try again later.\n');
    const b = w.client(7002);
    b.type('jess', '123');
    expect(await b.exited()).toBe(1);
    expect(b.screen()).toContain('Your account is blocked due to multiple login failures. Please try again in 10 second(s).\n');
  });

  it('runs the board commands typed all at once, in order', async () => {
    const w = world();
    const jess = w.client(7001);
    jess.type('jess', '123', 'MSG hello there', 'MSG', 'EDT #1 25 Apr 2021 05:26:30 hello again', 'RDM 25 Apr 2021 05:00:00', 'XYZ 1', 'DLT #1 25 Apr 2021 05:26:30', 'ATU', 'OUT');
    expect(await jess.exited()).toBe(0);
    expect(jess.screen()).toContain(
      [
        'Message #1 posted at 25 Apr 2021 05:26:30.',
        'Error: Usage: MSG <message>',
        'Message #1 edited at 25 Apr 2021 05:26:30.',
        'Messages after 25 Apr 2021 05:00:00:',
        '#1 jess: hello again (edited at 25 Apr 2021 05:26:30)',
        'Error: Unknown command "XYZ". Valid commands: MSG, DLT, EDT, RDM, ATU, OUT, UPD, DM, PWD (HELP for their syntax).',
        'Message #1 deleted at 25 Apr 2021 05:26:30.',
        'No other active users.',
        'Bye, jess!',
      ].join('\n'),
    );
  });

  it('UPD under 10% loss, two senders to one receiver at once, DM, and the error cases', async () => {
    const w = world({ loss: 0.1 });
    const steve = w.client(7002);
    steve.type('steve', 'abc');
    await steve.until('Commands:');
    const jess = w.client(7001);
    const bob = w.client(7003);
    jess.type('jess', '123');
    bob.type('bob', 'pw');
    await jess.until('Commands:');
    await bob.until('Commands:');
    const dataJ = randomBytes(300_000);
    const dataB = randomBytes(200_000);
    fs.writeFileSync(path.join(jess.dir, 'report.bin'), dataJ);
    fs.writeFileSync(path.join(bob.dir, 'report.bin'), dataB);
    jess.type('UPD steve report.bin', 'UPD amy report.bin', 'UPD steve nothing.bin', 'DM steve hi steve');
    bob.type('UPD steve report.bin');
    await jess.until(/Sent report\.bin to steve: 300000 bytes in [\d.]+ s \([\d.]+ MiB\/s, \d+ retransmission\(s\)\), sha256 [0-9a-f]{64} confirmed by the receiver\./);
    await bob.until('Sent report.bin to steve: 200000 bytes');
    await steve.until('saved as jess_report.bin');
    await steve.until('saved as bob_report.bin');
    await jess.until('DM sent to steve.');
    await steve.until('DM from jess: hi steve');
    expect(jess.screen()).toContain('Error: amy is not active.\n');
    expect(jess.screen()).toContain('Error: file "nothing.bin" does not exist.\n');
    expect(jess.screen()).toContain(`Sending report.bin (300000 bytes) to steve at ${steve.ip}:7002 ...`);
    expect(steve.screen()).toContain('Receiving report.bin (300000 bytes) from jess ...');
    expect(steve.screen()).toMatch(/Received report\.bin from jess: saved as jess_report\.bin \(300000 bytes, sha256 [0-9a-f]{64} verified\)\./);
    expect(fs.readFileSync(path.join(steve.dir, 'jess_report.bin')).equals(dataJ)).toBe(true);
    expect(fs.readFileSync(path.join(steve.dir, 'bob_report.bin')).equals(dataB)).toBe(true);
  });

  it('registers at the username prompt and changes the password', async () => {
    const w = world();
    const amy = w.client(7004);
    amy.type('REG amy s3cret', 'PWD wrong x', 'PWD s3cret n3w', 'OUT');
    expect(await amy.exited()).toBe(0);
    expect(amy.screen()).toContain('Registered new user amy.\nWelcome to the chat server, amy!');
    expect(amy.screen()).toContain('Error: The current password is wrong; password not changed.\nPassword changed.\nBye, amy!');
  });

  it('logs out by itself when its input ends', async () => {
    const w = world();
    const jess = w.client(7001);
    jess.type('jess', '123');
    jess.end();
    expect(await jess.exited()).toBe(0);
    expect(jess.screen()).toContain('Bye, jess!');
    expect(w.server.active.list()).toEqual([]);
  });
});
