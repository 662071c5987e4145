/**
 * What can go wrong in a step, as classes the runner and CLI catch by type.
 * Messages follow pexpect's habit: name the node, the step, the pattern and show
 * what the node actually printed last, so a failure explains itself.
 */
export class StepError extends Error {
  /** The last characters the node printed, when the step involved a node. */
  tail?: string;
  constructor(message: string, tail?: string) {
    super(message);
    this.name = 'StepError';
    this.tail = tail;
  }
}

export class ExpectTimeoutError extends StepError {
  constructor(node: string, pattern: string, ms: number, tail: string) {
    super(`${node} did not print ${pattern} within ${(ms / 1000).toFixed(1)}s`, tail);
    this.name = 'ExpectTimeoutError';
  }
}

export class ExpectEofError extends StepError {
  constructor(node: string, pattern: string, exit: string, tail: string) {
    super(`${node} exited (${exit}) before printing ${pattern}`, tail);
    this.name = 'ExpectEofError';
  }
}

export class AbortedError extends Error {
  constructor() {
    super('interrupted');
    this.name = 'AbortedError';
  }
}
