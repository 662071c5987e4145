/**
 * Bad command-line arguments. The main modules catch it by class, print the usage on
 * stderr and exit with status 2.
 */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
