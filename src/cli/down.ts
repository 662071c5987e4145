import { DRIVERS } from '../runtime/drivers.js';
import { EXIT, UsageError } from './exit-codes.js';

/** `lab down`: each runtime's driver tears down the kept labs named (docker: by label; local: it asks the controller holding the lab). */
export async function down(projectRoot: string, lab: string | undefined, opts: { all?: boolean; everyone?: boolean }): Promise<number> {
  if (!lab && !opts.all) throw new UsageError('say which lab (./lab ps lists them), or --all');
  if (opts.everyone && !opts.all) throw new UsageError('--everyone goes with --all');
  let removed = 0;
  for (const d of DRIVERS) removed += await d.remove(projectRoot, { lab, all: opts.all, everyone: opts.everyone }, (line) => process.stderr.write(`${line}\n`));
  if (!removed) process.stderr.write(`nothing to tear down${lab ? ` for ${lab}` : ''}\n`);
  return EXIT.ok;
}
