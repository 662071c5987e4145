/**
 * The documented exit codes of ./lab (README "Exit codes"). Errors carry theirs, so the
 * CLI never keeps a list of error classes.
 */
export const EXIT = {
  ok: 0,
  scenarioFailed: 1,
  /** Bad input or environment: topology errors, no engine, a node that never becomes ready. */
  badInput: 2,
  /** A bug in netlab itself: printed with its stack; please report it. */
  internal: 3,
  interrupted: 130,
} as const;

export interface NetlabErrorOptions {
  exitCode?: number;
  /** The node the problem is about. */
  node?: string;
  /** What that node printed last. */
  tail?: string;
  /** What to do about it, one sentence. */
  hint?: string;
  cause?: unknown;
}

/**
 * The base of every error netlab raises on purpose: it knows its exit code (default 2,
 * bad input or environment) and, where it can, the node, the node's last output and a
 * hint. Anything that is not a NetlabError reaching the CLI is an internal error (exit 3).
 */
export class NetlabError extends Error {
  readonly exitCode: number;
  node?: string;
  tail?: string;
  hint?: string;

  constructor(message: string, opts: NetlabErrorOptions = {}) {
    super(message, opts.cause !== undefined ? { cause: opts.cause } : undefined);
    this.name = new.target.name;
    this.exitCode = opts.exitCode ?? EXIT.badInput;
    this.node = opts.node;
    this.tail = opts.tail;
    this.hint = opts.hint;
  }

  /** The line(s) the CLI prints after "netlab: ". */
  describe(): string {
    return this.hint ? `${this.message}\n  hint: ${this.hint}` : this.message;
  }
}

/** The exit code for any thrown value: the error's own, else internal. */
export function exitCodeOf(e: unknown): number {
  return e instanceof NetlabError ? e.exitCode : EXIT.internal;
}

/** A bad command line: a missing argument, an unknown node. */
export class UsageError extends NetlabError {}
