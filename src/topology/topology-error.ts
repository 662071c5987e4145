import { NetlabError } from '../model/netlab-error.js';

/**
 * Bad input in a topology file. Carries where it is (file, line, key path) so the
 * CLI can say exactly what to fix; the CLI maps it to exit code 2.
 */
export class TopologyError extends NetlabError {
  constructor(
    message: string,
    readonly file: string,
    readonly line?: number,
    readonly key?: string,
  ) {
    super(message);
  }

  override describe(): string {
    return this.toString();
  }

  /** "file:line: key: message", the form editors and terminals make clickable. */
  override toString(): string {
    const where = this.line ? `${this.file}:${this.line}` : this.file;
    return `${where}: ${this.key ? `${this.key}: ` : ''}${this.message}`;
  }
}
