import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The LD_PRELOAD library that gives non-Node programs their node's address (bind-shim.c),
 * compiled once per source version with the machine's C compiler into .netlab/cache.
 * Returns undefined (and the reason) where there is no compiler: Node programs still get
 * their address through the preload module; others then speak from 127.0.0.1.
 */
export function bindShim(projectRoot: string): { path?: string; why?: string } {
  const src = join(projectRoot, 'src', 'runtime', 'local', 'bind-shim.c');
  if (!existsSync(src)) return { why: `${src} is missing` };
  const hash = createHash('sha256').update(readFileSync(src)).digest('hex').slice(0, 12);
  const dir = join(projectRoot, '.netlab', 'cache');
  const out = join(dir, `bind-shim-${hash}.so`);
  if (existsSync(out)) return { path: out };
  mkdirSync(dir, { recursive: true });
  const tmp = `${out}.${process.pid}.tmp`;
  try {
    execFileSync('cc', ['-shared', '-fPIC', '-O2', '-o', tmp, src, '-ldl'], { stdio: 'pipe', timeout: 60_000 });
    renameSync(tmp, out);
    return { path: out };
  } catch (e) {
    return { why: `cannot compile the address shim with cc (${(e as Error).message.split('\n')[0]}); non-Node programs will connect from 127.0.0.1` };
  }
}
