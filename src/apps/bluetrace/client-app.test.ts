import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { duplexPair } from '../common/duplex-pair.js';
import { ManualClock } from '../common/manual-clock.js';
import { BeaconCentral } from './beacon-central.js';
import { BlueTraceServer } from './bluetrace-server.js';
import { ClientApp } from './client-app.js';
import { ClientConnection } from './client-connection.js';
import { ContactLogKeeper } from './contact-log-keeper.js';
import { makeTestDir } from './test-dir.js';

const CREDS = '+61410888888 comp3331\n+61410999999 pass2\n';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Output sink that lets a test wait for text instead of sleeping. */
class Screen {
  text = '';
  private waiters: Array<() => void> = [];
  write = (t: string): void => {
    this.text += t;
    for (const w of this.waiters.splice(0)) w();
  };
  /** Wait until `re` (global) matches `n` times; returns the first groups. */
  async waitMatches(re: RegExp, n: number): Promise<string[]> {
    const deadline = Date.now() + 5000;
    for (;;) {
      const found = [...this.text.matchAll(re)].map((m) => m[1] ?? m[0]);
      if (found.length >= n) return found;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${n}x ${re}; got ${JSON.stringify(this.text)}`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 50);
      });
    }
  }

  async waitFor(fragment: string, from = 0): Promise<void> {
    const deadline = Date.now() + 5000;
    while (!this.text.includes(fragment, from)) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${JSON.stringify(fragment)}; got ${JSON.stringify(this.text)}`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 50);
      });
    }
  }
}

async function world(opts: { block?: number; lifetime?: number } = {}) {
  const sdir = await makeTestDir(CREDS);
  const clock = new ManualClock(Date.UTC(2024, 0, 1, 12, 0, 0, 250));
  const serverLog = new Screen();
  const server = await BlueTraceServer.open({
    dir: sdir.dir,
    blockDurationSeconds: opts.block ?? 10,
    tempIdLifetimeSeconds: opts.lifetime ?? 900,
    clock,
    log: (l) => serverLog.write(l + '\n'),
  });
  cleanups.push(async () => {
    await server.close();
    await sdir.cleanup();
  });
  const centrals = new Map<string, BeaconCentral>();

  const client = async (name: string, extra: { allowExpiredBeacon?: boolean } = {}) => {
    const cdir = await makeTestDir();
    const keeper = new ContactLogKeeper(cdir.dir, 180_000, clock);
    await keeper.load();
    const out = new Screen();
    const err = new Screen();
    centrals.set(name, new BeaconCentral(keeper, clock, (t) => out.write(t + '\n')));
    const [c, s] = duplexPair();
    server.attach(s);
    const conn = new ClientConnection(c);
    await conn.ready();
    let exitCode: number | undefined;
    const app = new ClientApp({
      conn,
      out: out.write,
      err: err.write,
      clock,
      keeper,
      allowExpiredBeacon: extra.allowExpiredBeacon,
      exit: (code) => {
        exitCode = code;
        conn.close();
      },
      sendDatagram: async (d, host) => {
        const central = centrals.get(host);
        if (!central) throw new Error(`no such host ${host}`);
        await central.receive(d, `${name}:5000`);
      },
    });
    cleanups.push(async () => {
      conn.close();
      await keeper.close();
      await cdir.cleanup();
    });
    app.start();
    const type = (...lines: string[]): void => lines.forEach((l) => app.feedLine(l));
    const waitExit = async (): Promise<number> => {
      const deadline = Date.now() + 5000;
      while (exitCode === undefined) {
        if (Date.now() > deadline) throw new Error('client did not exit');
        await new Promise((r) => setTimeout(r, 5));
      }
      return exitCode;
    };
    return { app, out, err, type, keeper, dir: cdir.dir, waitExit, exitCode: () => exitCode };
  };
  return { server, clock, serverLog, client, dir: sdir.dir };
}

describe('client app over an in-memory connection', () => {
  it('logs in with prompts without newlines, rejects bad commands, logs out with 0', async () => {
    const w = await world();
    const a = await w.client('a');
    a.type('+61410888888', 'comp3331', 'Hello', 'Download_tempID x', 'Beacon 1.2.3.4', 'Beacon 1.2.3.4 99999', 'logout');
    expect(await a.waitExit()).toBe(0);
    expect(a.out.text).toBe(
      'Username: Password: Welcome to the BlueTrace Simulator!\n' + 'Error. Invalid command\n'.repeat(4),
    );
    await w.serverLog.waitFor('+61410888888 logout\n');
  });

  it('asks for the password again, blocks on the third failure and refuses during the block', async () => {
    const w = await world({ block: 30 });
    const a = await w.client('a');
    a.type('+61400000000', 'whatever', '+61410888888', 'x1', 'x2', 'x3');
    expect(await a.waitExit()).toBe(1);
    expect(a.out.text).toBe(
      'Username: Password: Invalid Username. Please try again\n' +
        'Username: Password: Invalid Password. Please try again\n' +
        'Password: Invalid Password. Please try again\n' +
        'Password: Invalid Password. Your account has been blocked. Please try again later\n',
    );
    const b = await w.client('b');
    b.type('+61410888888', 'comp3331');
    expect(await b.waitExit()).toBe(1);
    expect(b.out.text).toBe('Username: Password: Your account is blocked due to multiple login failures. Please try again later\n');
    w.clock.advance(30_000);
    const c = await w.client('c');
    c.type('+61410888888', 'comp3331');
    await c.out.waitFor('Welcome to the BlueTrace Simulator!\n');
  });

  it('downloads the same TempID while valid; beacons are valid, logged, uploaded and checked', async () => {
    const w = await world();
    const a = await w.client('a');
    const b = await w.client('b');
    a.type('+61410888888', 'comp3331', 'Beacon b 5000', 'Download_tempID', 'Download_tempID');
    await a.out.waitFor('Beacon not sent: no TempID. Use Download_tempID first\n');
    const ids = await a.out.waitMatches(/TempID: (\d{20})\n/g, 2);
    expect(ids[0]).toBe(ids[1]);
    const id = ids[0]!;
    await w.serverLog.waitFor(`user: +61410888888\nTempID: ${id}\n`);
    const file = await readFile(join(w.dir, 'tempIDs.txt'), 'utf8');
    expect(file).toBe(`+61410888888 ${id} 01/01/2024 12:00:00 01/01/2024 12:15:00\n`);

    a.type('Beacon b 5000');
    await a.out.waitFor(`Beacon sent to b:5000: ${id}, 01/01/2024 12:00:00, 01/01/2024 12:15:00, version 1.\n`);
    await b.out.waitFor(
      `received beacon from a:5000: ${id}, 01/01/2024 12:00:00, 01/01/2024 12:15:00, version 1.\n` +
        'Current time is: 01/01/2024 12:00:00.\nThe beacon is valid.\n',
    );
    await b.keeper.idle();
    expect(await readFile(join(b.dir, 'contactlog.txt'), 'utf8')).toBe(
      `${id} 01/01/2024 12:00:00 01/01/2024 12:15:00 01/01/2024 12:00:00\n`,
    );

    b.type('+61410999999', 'pass2', 'Upload_contact_log');
    await b.out.waitFor('Contact log uploaded: 1 entries\n');
    expect(b.out.text).toContain(`Welcome to the BlueTrace Simulator!\n${id}, 01/01/2024 12:00:00, 01/01/2024 12:15:00;\n`);
    await w.serverLog.waitFor(
      `received contact log from +61410999999\n${id}, 01/01/2024 12:00:00, 01/01/2024 12:15:00;\n` +
        `Contact log checking\n+61410888888, 01/01/2024 12:00:00, ${id};\n`,
    );
  });

  it('refuses to beacon an expired TempID unless told to, and the central calls it invalid', async () => {
    const w = await world({ lifetime: 2 });
    const a = await w.client('a');
    const b = await w.client('b');
    const t = await w.client('t', { allowExpiredBeacon: true });
    a.type('+61410888888', 'comp3331', 'Download_tempID');
    t.type('+61410999999', 'pass2', 'Download_tempID');
    await a.out.waitMatches(/TempID: \d{20}/g, 1);
    await t.out.waitMatches(/TempID: \d{20}/g, 1);
    w.clock.advance(3_000);
    a.type('Beacon b 5000');
    await a.out.waitFor('Beacon not sent: TempID expired. Use Download_tempID first\n');
    t.type('Beacon b 5000');
    await b.out.waitFor('The beacon is invalid.\n');
    expect(b.out.text).toContain('Current time is: 01/01/2024 12:00:03.\n');
    await b.keeper.idle();
    expect(await readFile(join(b.dir, 'contactlog.txt'), 'utf8')).toBe('');
    // a fresh TempID after expiry
    a.type('Download_tempID');
    const ids = await a.out.waitMatches(/TempID: (\d{20})/g, 2);
    expect(ids[0]).not.toBe(ids[1]);
  });

  it('exits with a clear message when the server connection drops', async () => {
    const w = await world();
    const a = await w.client('a');
    a.type('+61410888888', 'comp3331');
    await a.out.waitFor('Welcome');
    await w.server.close();
    expect(await a.waitExit()).toBe(3);
    expect(a.err.text).toBe('Connection to server lost. Exiting\n');
  });

  it('finishes queued lines and exits 0 at end of input', async () => {
    const w = await world();
    const a = await w.client('a');
    a.type('+61410888888', 'comp3331', 'Download_tempID');
    a.app.endOfInput();
    expect(await a.waitExit()).toBe(0);
    expect(a.out.text).toMatch(/TempID: \d{20}\n$/);
  });
});
