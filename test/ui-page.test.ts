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

  beforeAll(async () => {
    port = await freePort();
    lab = startLab(['up', TOPOLOGY, '--runtime', 'local', '--keep', '--no-scenarios', '--runs', mkdtempSync(join(tmpdir(), 'netlab-ui-'))]);
    await waitForStderr(lab, /kept running/);
    await startUi();
    browser = await launchChromium();
    page = browser.pages()[0] ?? (await browser.newPage());
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

  it("shows a scenario's steps and its pass or fail", async () => {
    const r = await runLabCli(['run', 'echoui', 'echo']);
    expect(r.code).toBe(0);
    await expect.poll(() => page.locator('#steps').textContent()).toMatch(/✔ passed echo/);
    expect(await page.locator('#steps li.passed').count()).toBeGreaterThanOrEqual(5);
    const f = await runLabCli(['run', 'echoui', 'fails']);
    expect(f.code).toBe(1);
    await expect.poll(() => page.locator('#steps li.scenario.failed').textContent()).toMatch(/failed fails/);
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

  it('shows a finished run folder: nodes, steps, terminals (lab ui runs/<run>)', async () => {
    const runs = mkdtempSync(join(tmpdir(), 'netlab-ui-run-'));
    const done = await runLabCli(['up', TOPOLOGY, '--runtime', 'local', '--scenario', 'echo', '--runs', runs]);
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
});
