import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { serveUi, type UiServer } from '../ui/ui-server.js';
import { recordedRun } from '../ui/recorded-run.js';
import type { UiSource } from '../ui/ui-source.js';
import type { LiveLab } from '../lab/live-lab.js';
import { RemoteLab } from '../lab/lab-control.js';
import { EXIT, UsageError } from './exit-codes.js';
import { openKeptLab } from '../lab/kept-lab.js';
import { listLabs } from '../runtime/lab-registry.js';

export interface UiOptions {
  port?: string;
  token?: string;
}

/** The built page, inside the package (dist/ui/page). */
export const pageDir = (projectRoot: string) => join(projectRoot, 'dist', 'ui', 'page');

/** Serve the live page for a source and print its URL; the caller keeps the process alive. */
export async function startUi(projectRoot: string, source: UiSource, opts: UiOptions, say: (m: string) => void): Promise<UiServer> {
  const dir = pageDir(projectRoot);
  if (!existsSync(join(dir, 'index.html'))) throw new UsageError(`the live page is not built (${dir}/index.html is missing): run npm run build`);
  const port = opts.port !== undefined ? Number(opts.port) : undefined;
  if (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65536)) throw new UsageError(`--port ${opts.port}: not a port number`);
  const server = await serveUi(source, { pageDir: dir, port, token: opts.token });
  say(`live page: ${server.url}`);
  return server;
}

export const liveSource = (lab: LiveLab): UiSource => ({
  live: true,
  info: () => lab.info(),
  subscribe: (cb) => lab.subscribe(cb),
  write: (n, t) => lab.write(n, t),
  control: (op, n) => lab.control(op, n),
});

/**
 * `lab ui <lab>` serves the page of a kept lab until Ctrl-C; `lab ui runs/<run>` serves a
 * finished run folder (read only).
 */
export async function ui(projectRoot: string, target: string | undefined, opts: UiOptions, signal: AbortSignal): Promise<number> {
  const say = (m: string) => process.stderr.write(`${m}\n`);
  let source: UiSource;
  let close = () => {};
  if (target && existsSync(target) && statSync(target).isDirectory()) {
    source = recordedRun(resolve(target));
  } else {
    const name = target ?? soleLab(projectRoot);
    const kept = await openKeptLab(projectRoot, name);
    source = liveSource(kept.lab);
    close = kept.close;
    if (kept.lab instanceof RemoteLab) kept.lab.onClose(() => say(`the controller of ${name} went away; the page shows what it had`));
  }
  const server = await startUi(projectRoot, source, opts, say);
  say('Ctrl-C stops the page (the lab keeps running).');
  await new Promise<void>((ok) => (signal.aborted ? ok() : signal.addEventListener('abort', () => ok(), { once: true })));
  await server.close();
  close();
  return EXIT.ok;
}

function soleLab(projectRoot: string): string {
  const labs = [...new Set(listLabs(projectRoot).map((r) => r.lab))];
  if (labs.length === 1) return labs[0];
  throw new UsageError(labs.length ? `several labs are kept (${labs.join(', ')}): say which, ./lab ui <lab>` : 'no lab is kept: ./lab up <topology> --keep --ui, or ./lab ui runs/<run> for a finished run');
}
