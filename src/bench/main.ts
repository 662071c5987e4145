/**
 * `npm run bench`: every benchmark, or those whose name contains an argument
 * (`npm run bench -- lab`). Each prints its figures beside a baseline measured in
 * the same run, as ratios; nothing here asserts a time.
 */
import { readdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { abortBenches, benchSignal } from './bench-signal.js';

type Bench = () => Promise<{ title: string; lines: string[] }>;

const here = dirname(fileURLToPath(import.meta.url));
const filter = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith('.js') && f !== 'main.js' && !f.startsWith('bench-'))
  .filter((f) => filter.length === 0 || filter.some((w) => f.includes(w)))
  .sort();

process.on('SIGINT', abortBenches);
process.on('SIGTERM', abortBenches);

let failed = 0;
for (const f of files) {
  if (benchSignal.aborted) break;
  const mod = (await import(pathToFileURL(`${here}/${f}`).href)) as { default?: Bench };
  if (typeof mod.default !== 'function') continue;
  const t0 = performance.now();
  try {
    const { title, lines } = await mod.default();
    process.stdout.write(`\n## ${title}  (${((performance.now() - t0) / 1000).toFixed(1)}s)\n${lines.map((l) => `  ${l}`).join('\n')}\n`);
  } catch (e) {
    failed++;
    process.stdout.write(`\n## ${f}: FAILED: ${(e as Error).stack ?? e}\n`);
  }
}
process.exit(benchSignal.aborted ? 130 : failed ? 1 : 0);
