import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { runDirOf, runLabCli, startLab, waitForStderr } from './helpers/lab-cli.js';
import { describeBrowser, launchChromium } from './helpers/chromium.js';

const TOPOLOGY = 'test/fixtures/echo-classroom.yaml';
const TOKEN = 'test-token-' + Math.random().toString(36).slice(2);

function freePort(): Promise<number> {
  return new Promise((ok) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => ok(p));
    });
  });
}

/** The live page in a real headless Chromium, against a kept local lab and a `lab ui` that is restarted once. */
describeBrowser('live page in Chromium', () => {
  let lab: ReturnType<typeof startLab>;
  let ui: ReturnType<typeof startLab>;
  let browser: BrowserContext;
  let page: Page;
  let port: number;
  const startUi = async () => {
    ui = startLab(['ui', 'echoui', '--port', String(port), '--token', TOKEN]);
    await waitForStderr(ui, /live page: http/);
  };
  const rows = (node: string) => page.locator(`#term-${node} .xterm-rows`);
  /** Every URL the browser asked for (pages, assets, WebSockets), from the first page on. */
  const requested: string[] = [];
  /** The page's WebSocket messages that carried wire events. */
  const wireFrames: string[] = [];

  beforeAll(async () => {
    port = await freePort();
    lab = startLab(['up', TOPOLOGY, '--runtime', 'local', '--keep', '--no-scenarios', '--runs', mkdtempSync(join(tmpdir(), 'netlab-ui-'))]);
    await waitForStderr(lab, /kept running/);
    await startUi();
    browser = await launchChromium();
    // Seen, and never let out: a request for any other host is refused (and the test fails on it).
    await browser.route('**/*', (route) => {
      requested.push(route.request().url());
      return new URL(route.request().url()).hostname === '127.0.0.1' ? route.continue() : route.abort('blockedbyclient');
    });
    browser.on('request', (r) => requested.push(r.url()));
    browser.on('page', (p) => p.on('websocket', (ws) => requested.push(ws.url())));
    page = browser.pages()[0] ?? (await browser.newPage());
    page.on('websocket', (ws) => {
      requested.push(ws.url());
      ws.on('framereceived', (f) => {
        const text = String(f.payload);
        if (text.includes('"type":"wire"')) wireFrames.push(text);
      });
    });
    await page.goto(`http://127.0.0.1:${port}/?token=${TOKEN}`);
  });
  afterAll(async () => {
    await browser?.close();
    ui?.child.kill('SIGTERM');
    await ui?.done;
    await runLabCli(['down', 'echoui']);
    await lab?.done;
  });

  it('shows every node in the graph, with its IP and state', async () => {
    await expect.poll(() => page.locator('.gnode').count()).toBe(3);
    for (const n of ['server', 'client1', 'client2']) {
      const label = await page.locator(`.gnode[data-node="${n}"]`).textContent();
      expect(label).toMatch(new RegExp(`${n}127\\.\\d+\\.0\\.\\d+running`));
    }
    await page.locator('.gnode[data-node="client2"]').focus();
    await page.keyboard.press('Enter'); // keyboard only: the graph opens the node's terminal input
    expect(await page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe('type a line into client2');
  });

  it("types a line into a node's stdin and shows its answer", async () => {
    await page.keyboard.type('from the browser');
    await page.keyboard.press('Enter');
    await expect.poll(() => rows('client2').textContent()).toMatch(/echo from 127\.[\d.]+: from the browser/);
    await expect.poll(() => page.locator('#sequence tr.typed').last().textContent()).toContain('from the browser');
  });

  it('shows what crosses the wire as it happens, by node name (capture.pcap read while the page is open)', async () => {
    await expect.poll(() => page.locator('#wire-panel').getAttribute('data-capture')).toBe('on');
    await page.fill('#term-client1 input', 'over the wire');
    await page.press('#term-client1 input', 'Enter');
    const arrows = page.locator('#wire .arrow[data-from="client1"][data-to="server"]');
    await expect.poll(() => arrows.last().textContent(), { timeout: 15_000 }).toMatch(/over the wire/);
    expect(wireFrames.length).toBeGreaterThan(0); // they came as wire events over the page's WebSocket
    const last = JSON.parse(wireFrames.at(-1)!) as { events: { type: string; events?: { from: string; to: string; label: string }[] }[] };
    const wire = last.events.find((e) => e.type === 'wire')!;
    expect(wire.events!.some((e) => e.from === 'client1' && e.to === 'server' && e.label.includes('over the wire'))).toBe(true);
    // The answer comes back the other way.
    await expect.poll(() => page.locator('#wire .arrow[data-from="server"][data-to="client1"]').last().textContent()).toMatch(/echo from/);
    expect(await page.locator('#wire-note').textContent()).toMatch(/\d+ messages from \d+ packets/);
  });

  it("follows the system's light and dark scheme", async () => {
    const colours = async () => page.evaluate(() => [getComputedStyle(document.body).backgroundColor, getComputedStyle(document.querySelector('#steps-panel')!).backgroundColor, getComputedStyle(document.body).color]);
    await page.emulateMedia({ colorScheme: 'light' });
    expect(await colours()).toEqual(['rgb(250, 250, 250)', 'rgb(255, 255, 255)', 'rgb(27, 27, 27)']); // style.css :root
    await page.emulateMedia({ colorScheme: 'dark' });
    expect(await colours()).toEqual(['rgb(22, 22, 22)', 'rgb(32, 32, 32)', 'rgb(232, 232, 232)']); // its prefers-color-scheme: dark
    // The wire diagram's text follows too.
    expect(await page.locator('#wire .arrow text').first().evaluate((t) => getComputedStyle(t).fill)).toBe('rgb(232, 232, 232)');
    await page.emulateMedia({ colorScheme: null });
  });

  it("shows a scenario's steps and its pass or fail", async () => {
    const r = await runLabCli(['run', 'echoui', 'echo']);
    expect(r.code).toBe(0);
    await expect.poll(() => page.locator('#steps').textContent()).toMatch(/✔ passed echo/);
    expect(await page.locator('#steps li.passed').count()).toBeGreaterThanOrEqual(5);
    const f = await runLabCli(['run', 'echoui', 'fails']);
    expect(f.code).toBe(1);
    await expect.poll(() => page.locator('#steps li.scenario.failed').textContent()).toMatch(/failed fails/);
  });

  it('has selectable text: steps, lines, wire labels and the terminals', async () => {
    for (const sel of ['#steps li', '#sequence td', '#wire .arrow text', '#wire-note', '.term h3']) {
      expect(await page.locator(sel).first().evaluate((e) => getComputedStyle(e).userSelect), sel).not.toBe('none');
    }
    // A line typed and printed, selected with the mouse (triple click: the whole cell) and read back.
    const cell = page.locator('#sequence tr.typed td:last-child').first();
    await cell.scrollIntoViewIfNeeded();
    await cell.click({ clickCount: 3 });
    expect(await page.evaluate(() => window.getSelection()?.toString() ?? '')).toContain(await cell.textContent());
    // xterm.js selects with the mouse itself: a drag across client2's first row selects its text.
    const row = page.locator('#term-client2 .xterm-rows > div').first();
    await row.scrollIntoViewIfNeeded();
    const box = (await row.boundingBox())!;
    await page.mouse.move(box.x + 2, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + 200, box.y + box.height / 2, { steps: 5 });
    await page.mouse.up();
    await expect.poll(() => page.locator('#term-client2 .xterm-selection div').count()).toBeGreaterThan(0);
    await page.mouse.click(5, 5);
  });

  it('reconnects after the controller of the page restarts', async () => {
    ui.child.kill('SIGTERM');
    await ui.done;
    await expect.poll(() => page.locator('#status').textContent()).toMatch(/reconnecting/);
    await startUi();
    await expect.poll(() => page.locator('#status').textContent(), { timeout: 20_000 }).toBe('live');
    await expect.poll(() => page.locator('.gnode').count()).toBe(3);
    await page.fill('#term-client2 input', 'after the restart');
    await page.press('#term-client2 input', 'Enter');
    await expect.poll(() => rows('client2').textContent()).toMatch(/echo from 127\.[\d.]+: after the restart/);
  });

  it('shows a finished run folder: nodes, steps, terminals (lab ui runs/<run>); without a capture the wire panel says so', async () => {
    const runs = mkdtempSync(join(tmpdir(), 'netlab-ui-run-'));
    const done = await runLabCli(['up', TOPOLOGY, '--runtime', 'local', '--scenario', 'echo', '--no-capture', '--runs', runs]);
    expect(done.code).toBe(0);
    const runDir = runDirOf(done);
    const recorded = startLab(['ui', runDir, '--token', TOKEN]);
    await waitForStderr(recorded, /live page: http/);
    const url = /live page: (\S+)/.exec(recorded.stderrSoFar())![1];
    const other = await browser.newPage();
    try {
      await other.goto(url);
      await expect.poll(() => other.locator('.gnode').count()).toBe(3);
      await expect.poll(() => other.locator('#steps').textContent()).toMatch(/✔ passed echo/);
      await expect.poll(() => other.locator('#term-client1 .xterm-rows').textContent()).toMatch(/echo from 127\.[\d.]+: hello/);
      expect(await other.locator('#runtime').textContent()).toMatch(/finished passed.*read only/);
      expect(await other.locator('#term-client1 input').isDisabled()).toBe(true);
      await expect.poll(() => other.locator('#wire-note').textContent()).toMatch(/capture off \(--no-capture\).*lines typed and printed are beside/);
      expect(await other.locator('#wire-panel').getAttribute('data-capture')).toBe('off');
      expect(await other.locator('#sequence tbody tr').count()).toBeGreaterThan(0);
    } finally {
      await other.close();
      recorded.child.kill('SIGTERM');
      await recorded.done;
    }
  });

  it('refuses a wrong token (page and WebSocket)', async () => {
    const other = await browser.newPage();
    const res = await other.goto(`http://127.0.0.1:${port}/?token=wrong`);
    expect(res?.status()).toBe(403);
    const ws = await other.evaluate(
      (url) => new Promise<string>((ok) => {
        const s = new WebSocket(url);
        s.onopen = () => ok('open');
        s.onerror = () => ok('refused');
      }),
      `ws://127.0.0.1:${port}/ws?token=wrong`,
    );
    expect(ws).toBe('refused');
    await other.close();
  });

  it('asked no host but 127.0.0.1 for anything (page, assets, WebSockets)', async () => {
    await page.reload();
    await expect.poll(() => page.locator('.gnode').count()).toBe(3);
    expect(requested.length).toBeGreaterThan(3);
    const elsewhere = requested.filter((u) => new URL(u).hostname !== '127.0.0.1');
    expect(elsewhere).toEqual([]);
    expect(requested.some((u) => u.startsWith('ws://127.0.0.1:'))).toBe(true);
    expect(requested.some((u) => /\/assets\/.+\.js$/.test(u))).toBe(true);
  });
});

/** The sequence diagram of a finished five-pairs run (local runtime, with capture), on the page. */
describeBrowser('finished run sequence diagram in Chromium', () => {
  let browser: BrowserContext;
  let ui: ReturnType<typeof startLab> | undefined;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    ui?.child.kill('SIGTERM');
    await ui?.done;
  });

  it("shows five-pairs' connection phase as arrows between node names (HELLO, CHALLENGE, RESPONSE, AUTH_SUCCESS, connect, CONNECTED)", async () => {
    const runs = mkdtempSync(join(tmpdir(), 'netlab-ui-five-'));
    const done = await runLabCli(['up', 'topologies/five-pairs.yaml', '--runtime', 'local', '--runs', runs]);
    expect(done.code, done.stderr).toBe(0);
    ui = startLab(['ui', runDirOf(done), '--token', TOKEN]);
    await waitForStderr(ui, /live page: http/);
    const page = await browser.newPage();
    await page.goto(/live page: (\S+)/.exec(ui.stderrSoFar())![1]);
    await expect.poll(() => page.locator('#wire .diagram h3').allTextContents()).toEqual(['five pairs chat at the same time']);
    await expect.poll(() => page.locator('#wire .diagram svg text').count()).toBeGreaterThan(50);
    // Read the diagram as arrows: each label sits above its line; a line's ends are on the lifelines under the names.
    const arrows = await page.locator('#wire .diagram svg').evaluate((svg) => {
      const who = new Map<number, string>();
      for (const t of svg.querySelectorAll('text[font-weight="bold"]')) who.set(Number(t.getAttribute('x')), t.textContent ?? '');
      const out: string[] = [];
      for (const t of svg.querySelectorAll('text:not([font-weight])')) {
        const line = t.nextElementSibling;
        if (line?.tagName !== 'line') continue;
        const from = who.get(Number(line.getAttribute('x1')));
        const to = who.get(Number(line.getAttribute('x2')));
        if (from && to) out.push(`${from} > ${to}: ${(t.textContent ?? '').replace(/^[\d.]+s /, '')}`);
      }
      return out;
    });
    for (let i = 1; i <= 10; i++) {
      const c = `client${i}`;
      const mine = arrows.filter((a) => a.startsWith(`${c} > `) || a.startsWith(`server > ${c}:`));
      // In this order (a datagram sent again would add an arrow, not reorder them).
      const want = [
        `${c} > server: HELLO ${c}`,
        `server > ${c}: CHALLENGE`,
        `${c} > server: RESPONSE ${c}`,
        `server > ${c}: AUTH_SUCCESS (sealed)`,
        `${c} > server: connect :5000`,
        `${c} > server: IDENT ${c}`,
        `${c} > server: CONNECT (sealed)`,
        `server > ${c}: CONNECTED (sealed)`,
      ];
      let at = 0;
      for (const a of mine) if (a === want[at]) at++;
      expect(want.slice(at), `${c}'s arrows: ${mine.slice(0, 12).join(' | ')}`).toEqual([]);
    }
    await page.close();
  });
});
