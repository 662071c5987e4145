/**
 * A step's pattern as a RegExp. Patterns are multi-line (^ and $ match at every line, in
 * output as in files); a leading (?i) makes one case-insensitive, as in Python and PCRE,
 * since JavaScript has no inline flags; literal: true matches the text as it is.
 */
export function compilePattern(text: string, literal?: boolean): RegExp {
  let flags = 'm';
  let source = text;
  if (!literal && source.startsWith('(?i)')) {
    flags += 'i';
    source = source.slice(4);
  }
  if (literal) source = source.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(source, flags);
}
