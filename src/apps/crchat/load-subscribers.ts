import { readFileSync } from 'node:fs';
import { CLIENT_ID_RE } from './message.js';

/** The subscriber file is unusable; the server refuses to start. */
export class SubscribersError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SubscribersError';
  }
}

/**
 * Parse `<client-id> <secret-key>` lines (blank lines and `#` comments skipped).
 *
 * Why strict: a typo in the key file should stop the server at start, with the line
 * number, rather than surface later as a mysterious AUTH_FAIL.
 */
function parseSubscribers(text: string, source = 'subscribers'): Map<string, string> {
  const out = new Map<string, string>();
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const parts = line.split(/\s+/);
    if (parts.length !== 2) throw new SubscribersError(`${source}:${i + 1}: expected "<client-id> <secret-key>"`);
    const [id, key] = parts as [string, string];
    if (!CLIENT_ID_RE.test(id)) throw new SubscribersError(`${source}:${i + 1}: bad client ID "${id}"`);
    if (out.has(id)) throw new SubscribersError(`${source}:${i + 1}: duplicate client ID "${id}"`);
    out.set(id, key);
  });
  return out;
}

/** Read and parse a subscriber file. */
export function loadSubscribers(file: string): Map<string, string> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new SubscribersError(`cannot read ${file}: ${(err as Error).message}`);
  }
  return parseSubscribers(text, file);
}
