import { UsageError } from './usage-error.js';

/** The exit status of a program started with bad arguments. */
export const USAGE_EXIT_CODE = 2;

/**
 * Run a program's argument parser; on UsageError print `<program>: <message>` and the usage
 * text on stderr and exit with status 2. Other errors are rethrown.
 *
 * Why: every app's client and server main keeps the same contract for a bad command line
 * (message, usage, status 2), so it lives in one place.
 */
export function parseArgsOrExit<T>(program: string, usage: string, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`${program}: ${err.message}\n${usage}\n`);
    process.exit(USAGE_EXIT_CODE);
  }
}
