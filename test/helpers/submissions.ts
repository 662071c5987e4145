import { join, resolve } from 'node:path';
import { materialize } from '../fixtures/submissions/materialize.mjs';

/** The BlueTrace fixtures: `correct/`, `c-hostile/` and `variants/*.diff` (see its README.md). */
const BLUETRACE_FIXTURES = join(resolve(import.meta.dirname, '..'), 'fixtures', 'submissions', 'bluetrace');

/**
 * Writes every BlueTrace fixture submission into `dest` as a standalone folder (the
 * variants are `correct` with their diff applied), ready for `lab grade --submissions dest`.
 * Throws if a variant's diff does not apply exactly. Returns the submissions' names, sorted.
 */
export function materializeSubmissions(dest: string): string[] {
  return materialize(BLUETRACE_FIXTURES, dest) as string[];
}

/** The chat fixtures: `py-toom/` and `variants/*.diff` (see its README.md). */
const CHAT_FIXTURES = join(resolve(import.meta.dirname, '..'), 'fixtures', 'submissions', 'chat');

/** Like materializeSubmissions, for the chat fixtures. */
export function materializeChatSubmissions(dest: string): string[] {
  return materialize(CHAT_FIXTURES, dest) as string[];
}
