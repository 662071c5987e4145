/** One line the user typed, as the client understands it. */
export type UserCommand =
  | { kind: 'log-on' }
  | { kind: 'log-off' }
  | { kind: 'chat'; peer: string }
  | { kind: 'end-chat' }
  | { kind: 'history'; peer: string }
  | { kind: 'text'; text: string }
  | { kind: 'blank' };

/**
 * Read a typed line: `Log on`, `Log off`, `Chat <client-ID>`, `End chat`,
 * `History <client-ID>` (case-insensitive, extra spaces allowed); anything else is text.
 *
 * Why only single-token IDs count: `Chat with you later` is a chat message, not a request
 * to chat with "with". The text keeps exactly what was typed (no trimming).
 */
export function parseUserCommand(line: string): UserCommand {
  const t = line.trim();
  if (t === '') return { kind: 'blank' };
  if (/^log\s*on$/i.test(t)) return { kind: 'log-on' };
  if (/^log\s*off$/i.test(t)) return { kind: 'log-off' };
  if (/^end\s*chat$/i.test(t)) return { kind: 'end-chat' };
  let m = /^chat\s+(\S+)$/i.exec(t);
  if (m) return { kind: 'chat', peer: m[1]! };
  m = /^history\s+(\S+)$/i.exec(t);
  if (m) return { kind: 'history', peer: m[1]! };
  return { kind: 'text', text: line };
}
