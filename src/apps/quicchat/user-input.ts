/** What a chat line asks for. */
export type UserInput =
  | { kind: 'broadcast'; text: string }
  | { kind: 'one'; to: number; text: string }
  | { kind: 'many'; to: number[]; text: string }
  | { kind: 'logout' }
  | { kind: 'invalid'; reason: string };

/** How to type a message, shown after a line that is none of them. */
export const INPUT_HELP = 'Use "N: text" (to user N), "N,M: text" (to several), "0: text" (everyone) or "logout"';

/**
 * Parse one line typed after login: `0: text`, `N: text`, `N,M: text`, `logout` (the
 * seed's formats; spaces around ids and after the colon are allowed, `logout` in any case).
 */
export function parseUserInput(line: string): UserInput {
  const l = line.trim();
  if (/^logout$/i.test(l)) return { kind: 'logout' };
  const m = /^(\d+(?:\s*,\s*\d+)*)\s*:\s?([\s\S]*)$/.exec(l);
  if (!m) return { kind: 'invalid', reason: INPUT_HELP };
  const ids = m[1]!.split(',').map((s) => Number(s.trim()));
  const text = m[2]!;
  if (text.trim() === '') return { kind: 'invalid', reason: 'empty message' };
  if (ids.length === 1 && ids[0] === 0) return { kind: 'broadcast', text };
  if (ids.includes(0)) return { kind: 'invalid', reason: '0 (everyone) cannot be combined with other ids' };
  const unique = [...new Set(ids)];
  return unique.length === 1 ? { kind: 'one', to: unique[0]!, text } : { kind: 'many', to: unique, text };
}
