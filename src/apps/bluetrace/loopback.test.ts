import { readFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BlueTraceServer } from './bluetrace-server.js';
import { startClient, type RunningClient } from './bluetrace-client.js';
import { makeTestDir } from './test-dir.js';

/** Collects output and lets the test wait for text (no fixed sleeps). */
class Sink {
  text = '';
  private waiters: Array<() => void> = [];
  write = (t: string): void => {
    this.text += t;
    for (const w of this.waiters.splice(0)) w();
  };
  async waitFor(re: RegExp): Promise<RegExpMatchArray> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const m = this.text.match(re);
      if (m) return m;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${re}; got ${JSON.stringify(this.text)}`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 100);
      });
    }
  }
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('server and clients over real loopback sockets', () => {
  it('runs login, TempID, beacon, upload and checking end to end, and survives a rogue connection', async () => {
    const sdir = await makeTestDir('+61410888888 comp3331\n+61410999999 pass2\n');
    const serverLog = new Sink();
    const server = await BlueTraceServer.open({ dir: sdir.dir, blockDurationSeconds: 5, log: (l) => serverLog.write(l + '\n') });
    const port = await server.listen(0, '127.0.0.1');
    cleanups.push(async () => {
      await server.close();
      await sdir.cleanup();
    });

    // A rogue peer sends garbage and vanishes without a goodbye.
    const rogue = connect({ host: '127.0.0.1', port });
    rogue.on('error', () => undefined);
    await new Promise<void>((r) => rogue.once('connect', () => r()));
    rogue.write('\x00\x01garbage{{{\n');
    rogue.resetAndDestroy();

    const start = async (name: string) => {
      const dir = await makeTestDir();
      const out = new Sink();
      const err = new Sink();
      let exitCode: number | undefined;
      const c: RunningClient = await startClient({
        serverHost: '127.0.0.1',
        serverPort: port,
        udpPort: 0,
        udpHost: '127.0.0.1',
        contactRetentionSeconds: 180,
        allowExpiredBeacon: false,
        connectTimeoutSeconds: 5,
        dir: dir.dir,
        out: out.write,
        err: err.write,
        onExit: (code) => {
          exitCode = code;
          out.write(`<exit ${code}>`);
        },
      });
      cleanups.push(async () => {
        if (exitCode === undefined) c.app.endOfInput();
        await out.waitFor(/<exit \d>/);
        await dir.cleanup();
      });
      void name;
      return { c, out, err, dir: dir.dir, type: (...l: string[]) => l.forEach((x) => c.app.feedLine(x)) };
    };

    const a = await start('a');
    const b = await start('b');
    await a.out.waitFor(/^Username: $/);
    a.type('+61410888888', 'comp3331', 'Download_tempID');
    const id = (await a.out.waitFor(/TempID: (\d{20})\n/))[1]!;
    b.type('+61410999999', 'pass2');
    await b.out.waitFor(/Welcome to the BlueTrace Simulator!\n/);

    a.type(`Beacon 127.0.0.1 ${b.c.udpPort}`);
    await b.out.waitFor(/The beacon is valid\.\n/);
    expect(b.out.text).toContain(`received beacon from 127.0.0.1:${a.c.udpPort}: ${id}, `);
    await b.c.keeper.idle();
    expect(await readFile(join(b.dir, 'contactlog.txt'), 'utf8')).toMatch(new RegExp(`^${id} `));

    b.type('Upload_contact_log', 'logout');
    await b.out.waitFor(/<exit 0>/);
    await serverLog.waitFor(/\+61410999999 logout\n/);
    expect(serverLog.text).toMatch(
      new RegExp(`received contact log from \\+61410999999\\n${id}, .{19}, .{19};\\nContact log checking\\n\\+61410888888, .{19}, ${id};\\n`),
    );
    expect(await readFile(join(sdir.dir, 'tempIDs.txt'), 'utf8')).toMatch(new RegExp(`^\\+61410888888 ${id} .{19} .{19}\\n$`));

    a.type('logout');
    await a.out.waitFor(/<exit 0>/);
    await serverLog.waitFor(/\+61410888888 logout\n/);
  });
});
