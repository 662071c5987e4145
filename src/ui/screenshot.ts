/**
 * `npm run screenshot`: docs/img/five-pairs-page.png, the README's picture of the live
 * page. Brings topologies/five-pairs.yaml up on the local runtime with the page
 * (`lab up --ui --keep`), waits until its scenario passed and the wire panel has the
 * connection phase, and takes a 1500x1000 screenshot in Debian's headless Chromium
 * (light scheme), then Ctrl-C's the lab. Needs /usr/bin/chromium; root and tcpdump for
 * the capture (without them the wire panel says capture is off).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const out = process.argv[2] ?? join(root, 'docs', 'img', 'five-pairs-page.png');

async function main(): Promise<void> {
  const token = 'shot' + Math.random().toString(36).slice(2);
  const runs = mkdtempSync(join(tmpdir(), 'netlab-screenshot-'));
  const up = spawn(process.execPath, [join(root, 'dist', 'cli', 'main.js'), 'up', 'topologies/five-pairs.yaml', '--runtime', 'local', '--ui', '--keep', '--token', token, '--runs', runs], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  const ended = new Promise<void>((ok) => up.once('close', () => ok()));
  const seen = (re: RegExp) =>
    new Promise<RegExpExecArray>((ok, fail) => {
      const check = () => {
        const m = re.exec(err);
        if (m) ok(m);
      };
      up.stderr!.on('data', (d) => ((err += d), check()));
      void ended.then(() => fail(new Error(`lab up ended before ${re}:\n${err}`)));
      check();
    });
  const url = (await seen(/live page: (\S+)/))[1];
  await seen(/kept running/);
  const ctx = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'netlab-chromium-')), {
    executablePath: '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1500, height: 1000 },
    colorScheme: 'light',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = ctx.pages()[0] ?? (await ctx.newPage());
    await page.goto(url);
    await page.waitForFunction(() => /✔ passed/.test(document.querySelector('#steps')?.textContent ?? ''));
    await page.waitForFunction(() => document.querySelectorAll('#wire .arrow').length > 20, undefined, { timeout: 30_000 });
    // The connection phase (HELLO, CHALLENGE, ...) is at the top of the diagram; the scenario's end at the bottom of the steps.
    await page.evaluate(() => {
      document.querySelector('#wire')!.scrollTop = 0;
      const steps = document.querySelector('#steps')!;
      steps.scrollTop = steps.scrollHeight;
    });
    await page.screenshot({ path: out });
    process.stderr.write(`screenshot: ${out}\n`);
  } finally {
    await ctx.close();
    up.kill('SIGINT');
    await ended;
  }
}

main().catch((e: Error) => {
  process.stderr.write(`${e.stack ?? e.message}\n`);
  process.exit(1);
});
