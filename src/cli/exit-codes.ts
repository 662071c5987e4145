import { TopologyError } from '../topology/topology-error.js';
import { RuntimeError } from '../runtime/runtime.js';
import { ImageBuildError } from '../runtime/docker/image-builder.js';
import { GradingImageError } from '../runtime/docker/grading-image.js';
import { SubmissionError } from '../grade/detect-submission.js';
import { MergeError } from '../grade/merge-grades.js';
import { ShardError } from '../grade/shard.js';

/** The documented exit codes of ./lab (README "Exit codes"). */
export const EXIT = {
  ok: 0,
  scenarioFailed: 1,
  badInput: 2,
  interrupted: 130,
} as const;

/** Errors that mean "fix your input or environment": exit 2 with a one-line message. */
export function isUserError(e: unknown): e is Error {
  return e instanceof TopologyError || e instanceof RuntimeError || e instanceof ImageBuildError || e instanceof GradingImageError || e instanceof SubmissionError || e instanceof MergeError || e instanceof ShardError || e instanceof UsageError;
}

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
