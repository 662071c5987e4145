import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Name of the credentials file, read from the server's working folder. */
const CREDENTIALS_FILE = 'credentials.txt';

/**
 * Parse credentials.txt: one `username password` per line, a single space between,
 * both case-sensitive. Blank lines are ignored; a CR before the newline is dropped.
 *
 * Why split at the first space only: the password is taken verbatim, so a
 * stray second space is part of the password rather than silently trimmed.
 * Malformed lines (no space, empty name or password) are reported through `warn`.
 */
export function parseCredentials(text: string, warn: (msg: string) => void = () => undefined): Map<string, string> {
  const users = new Map<string, string>();
  text.split('\n').forEach((raw, i) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '') return;
    const sp = line.indexOf(' ');
    if (sp <= 0 || sp === line.length - 1) {
      warn(`${CREDENTIALS_FILE}:${i + 1}: expected "username password", line ignored`);
      return;
    }
    users.set(line.slice(0, sp), line.slice(sp + 1));
  });
  return users;
}

/** Read and parse `credentials.txt` in `dir`. Throws if the file cannot be read. */
export async function loadCredentials(dir: string, warn?: (msg: string) => void): Promise<Map<string, string>> {
  return parseCredentials(await readFile(join(dir, CREDENTIALS_FILE), 'utf8'), warn);
}
