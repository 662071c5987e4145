import { EXIT, NetlabError } from '../model/netlab-error.js';

/**
 * What can go wrong in a step, as classes the runner and CLI catch by type.
 * Messages follow pexpect's habit: name the node, the step, the pattern and show
 * what the node actually printed last, so a failure explains itself.
 */
export class StepError extends NetlabError {
  constructor(message: string, tail?: string) {
    super(message, { exitCode: EXIT.scenarioFailed, tail });
  }
}

export class ExpectTimeoutError extends StepError {
  constructor(node: string, pattern: string, ms: number, tail: string) {
    super(`${node} did not print ${pattern} within ${(ms / 1000).toFixed(1)}s`, tail);
  }
}

export class ExpectEofError extends StepError {
  constructor(node: string, pattern: string, exit: string, tail: string) {
    super(`${node} exited (${exit}) before printing ${pattern}`, tail);
  }
}

/** Ctrl-C, or a parallel sibling's failure: stop, tear down, exit 130. */
export class AbortedError extends NetlabError {
  constructor() {
    super('interrupted', { exitCode: EXIT.interrupted });
  }
}
