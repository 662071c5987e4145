import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** In a temporary cluster folder: the pid of the tacw-db that made it. */
export const OWNER_FILE = 'tacw-db.pid';

/**
 * Temporary cluster folders whose tacw-db is gone: removed. A lab that ends its nodes with
 * SIGKILL (a process group killed at tear-down) gives the wrapper no chance to remove its
 * own, so the next start cleans up after it.
 */
export function reapStaleHomes(root: string = tmpdir()): string[] {
  const removed: string[] = [];
  for (const name of readdirSync(root).filter((n) => /^tacw-db-[0-9a-f]{12}$/.test(n))) {
    const dir = path.join(root, name);
    let pid: number;
    try {
      pid = Number(readFileSync(path.join(dir, OWNER_FILE), 'utf8').trim());
    } catch {
      continue; // not one of ours, or being made right now
    }
    if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid || alive(pid)) continue;
    rmSync(dir, { recursive: true, force: true });
    removed.push(dir);
  }
  return removed;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

