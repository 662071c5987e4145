import { DRIVERS } from '../runtime/drivers.js';
import type { NodeRow } from '../runtime/runtime-driver.js';
import { EXIT } from './exit-codes.js';

/** `lab ps`: every node of every running lab, as each runtime's driver finds them. */
export async function ps(projectRoot: string, opts: { json?: boolean }): Promise<number> {
  const rows = (await Promise.all(DRIVERS.map((d) => d.listNodes(projectRoot)))).flat();
  if (opts.json) process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
  else if (!rows.length) process.stderr.write('no labs are running\n');
  else {
    const cols: (keyof NodeRow)[] = ['lab', 'run', 'runtime', 'node', 'address', 'state'];
    const w = cols.map((k) => Math.max(k.length, ...rows.map((r) => r[k].length)));
    const fmt = (r: NodeRow | Record<string, string>) => cols.map((k, i) => (r as Record<string, string>)[k].padEnd(w[i])).join('  ');
    process.stdout.write([fmt(Object.fromEntries(cols.map((k) => [k, k.toUpperCase()]))), ...rows.map(fmt)].join('\n') + '\n');
  }
  return EXIT.ok;
}
