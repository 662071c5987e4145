/**
 * Bad command-line arguments or environment.
 *
 * Why a class: argument parsers throw it and the program's main catches it by class (see
 * parseArgsOrExit) to print the usage and exit with status 2; any other error is a bug.
 */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
