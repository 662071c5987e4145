/**
 * The live page under load: 11 nodes of a local lab each print LINES lines as fast as
 * they can, and a headless Chromium page shows them all (terminals, sequence view).
 * Figures: lines per second that reached the page against the target of 10,000
 * (the nodes print as fast as they can, so the page's rate is the bound), and the page's
 * JS heap before and after (bounded scrollback and rows: it should not grow with the lines).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const LINES = Number(process.env.UI_BENCH_LINES ?? 20000);
const NODES = 11;

// Each node also sends a datagram to the server every 25 lines (the wire panel has a busy capture to read).
const printer = `let i=0;const N=+process.argv[1],me=process.env.NETLAB_NODE_NAME,to=process.env.TO,u=require('dgram').createSocket('udp4');process.stdin.once('data',()=>{const f=()=>{let s='';for(let k=0;k<250&&i<N;k++,i++){s+=me+' line '+i+' of '+N+' the quick brown fox\\n';if(to&&i%25===0)u.send(me+' '+i,9,to)}process.stdout.write(s,()=>{if(i<N)setImmediate(f)})};f()})`;

export default async function bench(): Promise<{ title: string; lines: string[] }> {
  if (!existsSync('/usr/bin/chromium')) return { title: 'live page stream: skipped', lines: ['no /usr/bin/chromium (apt-get install chromium)'] };
  const dir = mkdtempSync(join(tmpdir(), 'netlab-bench-ui-'));
  const topo = join(dir, 'busy.yaml');
  writeFileSync(
    topo,
    [
      'name: busy-ui-bench',
      'server:',
      `  command: [node, -e, ${JSON.stringify(printer)}, "${LINES}"]`,
      '  env: { TO: "{{ server.ip }}" }',
      'clients:',
      `  count: ${NODES - 1}`,
      `  command: [node, -e, ${JSON.stringify(printer)}, "${LINES}"]`,
      '  env: { TO: "{{ server.ip }}" }',
      'scenarios: []',
      '',
    ].join('\n'),
  );
  const token = 'bench' + Math.random().toString(36).slice(2);
  const up = spawn(process.execPath, [join(root, 'dist', 'cli', 'main.js'), 'up', topo, '--runtime', 'local', '--ui', '--no-scenarios', '--token', token, '--runs', join(dir, 'runs')], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  const url = await new Promise<string>((ok, fail) => {
    up.stderr!.on('data', (d) => {
      err += d;
      const m = /live page: (\S+)/.exec(err);
      if (m) ok(m[1]);
    });
    up.once('close', () => fail(new Error(`lab up ended: ${err}`)));
  });
  const ctx = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'netlab-chromium-')), {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--enable-precise-memory-info'],
  });
  try {
    const page = ctx.pages()[0] ?? (await ctx.newPage());
    await page.goto(url);
    await page.waitForFunction((n) => document.querySelectorAll('.gnode').length === n, NODES);
    const heap = () => page.evaluate(() => (performance as unknown as { memory: { usedJSHeapSize: number } }).memory.usedJSHeapSize);
    const before = await heap();
    const total = NODES * LINES;
    const t0 = performance.now();
    // Go: one line into every node's input, as a person would.
    for (const form of await page.locator('.term form').all()) {
      await form.locator('input').fill('go');
      await form.locator('input').press('Enter');
    }
    // Every line either reached the page or was counted as skipped (the page fell behind).
    const counts = () => {
      const e = document.querySelector('#lines');
      return { shown: Number(e?.getAttribute('data-lines') ?? 0), skipped: Number(e?.getAttribute('data-skipped') ?? 0) };
    };
    await page.waitForFunction(`(${counts})().shown + (${counts})().skipped >= ${total}`, undefined, { timeout: 600_000, polling: 100 });
    const ms = performance.now() - t0;
    const { shown, skipped } = await page.evaluate(counts);
    await page.evaluate(() => new Promise((ok) => setTimeout(ok, 500)));
    const after = await heap();
    const rows = await page.locator('#sequence tbody tr').count();
    const wire = await page.locator('#wire-note').textContent();
    return {
      title: `live page: ${NODES} busy nodes (local runtime) to a headless Chromium page`,
      lines: [
        `${total} lines in ${(ms / 1000).toFixed(2)}s: ${Math.round(shown / (ms / 1000))} lines/s reached the page (target 10000); ${skipped} lines (${((100 * skipped) / total).toFixed(1)}%) not sent because the page fell behind`,
        `page JS heap ${(before / 1048576).toFixed(1)} MiB before, ${(after / 1048576).toFixed(1)} MiB after; sequence rows kept ${rows}`,
        `wire panel at the end: ${wire}`,
        `(2 shared cores; the nodes, the controller and Chromium all on them)`,
      ],
    };
  } finally {
    await ctx.close();
    up.kill('SIGINT');
    await new Promise((ok) => up.once('close', ok));
  }
}
