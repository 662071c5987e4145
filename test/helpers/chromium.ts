import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { describe, it } from 'vitest';

const CHROMIUM = '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);

/**
 * Debian's headless Chromium with a fresh profile, and without the background traffic
 * to hosts this machine cannot reach.
 */
export function launchChromium(): Promise<BrowserContext> {
  return chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'netlab-chromium-')), {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1400, height: 1000 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** describe() for browser tests: skipped without chromium, but a failure when CI is set. */
export function describeBrowser(name: string, fn: () => void): void {
  if (HAVE_CHROMIUM) return describe(name, fn);
  if (process.env.CI) {
    return describe(name, () => {
      it('needs chromium', () => {
        throw new Error(`CI is set but ${CHROMIUM} is missing: .ci/run should have installed Debian's chromium`);
      });
    });
  }
  describe.skip(`${name} (no ${CHROMIUM} here)`, fn);
}
