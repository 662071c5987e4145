import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { projectFiles } from '../model/run-paths.js';

/**
 * An LD_PRELOAD library compiled from one C file with the machine's C compiler, once per
 * source version, into <projectRoot>/.netlab/cache/<name>-<hash>.so. Returns the path, or
 * why it could not be built (no source, no compiler).
 */
export function compilePreload(projectRoot: string, src: string, name: string): { path?: string; why?: string } {
  if (!existsSync(src)) return { why: `${src} is missing` };
  const hash = createHash('sha256').update(readFileSync(src)).digest('hex').slice(0, 12);
  const dir = projectFiles.cache(projectRoot);
  const out = join(dir, `${name}-${hash}.so`);
  if (existsSync(out)) return { path: out };
  mkdirSync(dir, { recursive: true });
  const tmp = `${out}.${process.pid}.tmp`;
  try {
    execFileSync('cc', ['-shared', '-fPIC', '-O2', '-o', tmp, src, '-ldl'], { stdio: 'pipe', timeout: 60_000 });
    renameSync(tmp, out);
    return { path: out };
  } catch (e) {
    return { why: `cannot compile ${src} with cc (${(e as Error).message.split('\n')[0]})` };
  }
}
