import { RE2JS } from 're2js';
import safeRegex from 'safe-regex2';

/** Which engine runs a pattern: RE2 (linear time) where the pattern allows it, else V8's backtracker under a deadline. */
type PatternEngine = 're2' | 'v8';

/**
 * A compiled step pattern, as plain data (it crosses to the match workers). `source` and
 * `flags` are the JavaScript RegExp's; `engine` says where it runs: RE2 when RE2 can
 * express it (no lookaheads, no backreferences), which makes it linear in the text and
 * immune to catastrophic backtracking; otherwise V8, always off the main thread with a
 * deadline (scenario/match/match-pool.ts).
 */
export interface Pattern {
  readonly source: string;
  readonly flags: string;
  readonly engine: PatternEngine;
  /** How reports name it: /source/. */
  readonly shown: string;
}

/** A pattern that cannot be run safely (V8 only and possibly exponential): refused at validate. */
export class UnsafePatternError extends Error {}

const RE2_CACHE = new Map<string, RE2JS | null>();

/** The RE2 form of a JavaScript pattern, or null when RE2 cannot express it. */
export function re2Of(source: string, flags: string): RE2JS | null {
  const key = `${flags}/${source}`;
  if (RE2_CACHE.has(key)) return RE2_CACHE.get(key)!;
  let re: RE2JS | null;
  try {
    let f = RE2JS.LOOKBEHINDS;
    if (flags.includes('m')) f |= RE2JS.MULTILINE;
    if (flags.includes('i')) f |= RE2JS.CASE_INSENSITIVE;
    if (flags.includes('s')) f |= RE2JS.DOTALL;
    re = RE2JS.compile(RE2JS.translateRegExp(source), f);
  } catch {
    re = null;
  }
  if (RE2_CACHE.size > 512) RE2_CACHE.clear();
  RE2_CACHE.set(key, re);
  return re;
}

/**
 * A step's pattern as a RegExp. Patterns are multi-line (^ and $ match at every line, in
 * output as in files); a leading (?i) makes one case-insensitive, as in Python and PCRE,
 * since JavaScript has no inline flags; literal: true matches the text as it is.
 */
function compilePattern(text: string, literal?: boolean): RegExp {
  let flags = 'm';
  let source = text;
  if (!literal && source.startsWith('(?i)')) {
    flags += 'i';
    source = source.slice(4);
  }
  if (literal) source = source.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(source, flags);
}

/**
 * A step's pattern, checked and given its engine: a syntax error throws the RegExp's
 * SyntaxError; a pattern only V8 can run that safe-regex2 finds possibly exponential
 * (nested quantifiers such as `^(a+)+$` with a lookahead) throws UnsafePatternError.
 * `^(a+)+$` alone is accepted: RE2 runs it in linear time.
 */
export function toPattern(text: string, literal?: boolean): Pattern {
  return patternOf(compilePattern(text, literal));
}

/** The Pattern of a RegExp (tests and callers that hold one). */
export function patternOf(re: RegExp): Pattern {
  const flags = re.flags.replace(/[gy]/g, '');
  const engine: PatternEngine = re2Of(re.source, flags) ? 're2' : 'v8';
  if (engine === 'v8' && !safeRegex(forStarHeight(re.source), { limit: 200 })) {
    throw new UnsafePatternError(
      'this pattern may take exponential time (nested or overlapping quantifiers) and RE2 cannot run it (lookahead or backreference); remove the nesting',
    );
  }
  return { source: re.source, flags, engine, shown: `/${re.source}/` };
}

/** safe-regex2's parser knows no lookbehinds: as plain groups they have the same star height. */
function forStarHeight(source: string): string {
  return source.replace(/(?<!\\)\(\?<[=!]/g, '(?:');
}
