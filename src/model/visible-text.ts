/**
 * Program text made safe to show: every control character except newline and tab, the
 * C1 controls, and the Unicode bidi overrides become visible escapes (`\x1b[2J`, `\r`,
 * `\u202e`), so nothing a program printed can clear a terminal, write the clipboard
 * (OSC 52), overwrite a line with a carriage return, or reorder what a reader sees.
 */
export function visible(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, (c) => {
    if (c === '\r') return '\\r';
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/**
 * A fenced code block that its content cannot close: the fence is one backtick longer
 * than the longest backtick run inside (CommonMark), and at least three. Content is made
 * visible() first.
 */
export function fenced(text: string): string {
  const body = visible(text).trimEnd();
  const longest = Math.max(0, ...(body.match(/`+/g) ?? []).map((r) => r.length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}text\n${body}\n${fence}`;
}

/** Text for one line of markdown outside a code block (names, headings): visible, markdown and HTML inert. */
export function inline(text: string): string {
  return visible(text)
    .replace(/\n/g, ' ')
    .replace(/[\\`*_[\]<>#|]/g, (c) => `\\${c}`);
}
