import { join } from 'node:path';
import { compilePreload } from '../compile-preload.js';

/**
 * The LD_PRELOAD library that gives non-Node programs their node's address (bind-shim.c),
 * compiled once per source version with the machine's C compiler into .netlab/cache.
 * Returns undefined (and the reason) where there is no compiler: Node programs still get
 * their address through the preload module; others then speak from 127.0.0.1.
 */
export function bindShim(projectRoot: string): { path?: string; why?: string } {
  const r = compilePreload(projectRoot, join(projectRoot, 'src', 'runtime', 'local', 'bind-shim.c'), 'bind-shim');
  return r.why ? { why: `${r.why}; non-Node programs will connect from 127.0.0.1` } : r;
}
