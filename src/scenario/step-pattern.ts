import { toPattern, type Pattern } from '../topology/pattern.js';
import { StepError } from './scenario-errors.js';

/** A step's pattern, or a StepError naming the bad one (templated patterns are only known at run time). */
export function stepPattern(text: string, literal: boolean | undefined): Pattern {
  try {
    return toPattern(text, literal);
  } catch (e) {
    throw new StepError(`bad regular expression ${text}: ${(e as Error).message}`);
  }
}
