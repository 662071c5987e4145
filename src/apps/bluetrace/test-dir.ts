import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A fresh temporary folder, optionally seeded with credentials.txt, plus its cleanup.
 *
 * Why: the server and client read and write fixed file names in their working
 * folder; each test (and the bench) gets its own so nothing collides.
 */
export async function makeTestDir(credentials?: string): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'bluetrace-'));
  if (credentials !== undefined) await writeFile(join(dir, 'credentials.txt'), credentials);
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}
