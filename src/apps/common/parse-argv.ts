import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './usage-error.js';

/**
 * node:util parseArgs in strict mode with positionals allowed; its errors (unknown option,
 * missing value) become UsageError.
 *
 * Why: every app's parser wants exactly this, and a bad flag must end in the usage text
 * and exit status 2, not a stack trace.
 */
export function parseArgv<O extends NonNullable<ParseArgsConfig['options']>>(argv: readonly string[], options: O) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
}
