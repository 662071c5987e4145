// The finished root file system as tar entries for the Engine's image import.
import { walkTree } from './tree-walker.js';
import { EXCLUDED_CONTENTS, EXCLUDED_FILES } from './grading-base-spec.js';
import type { BaseEntry } from './local-base.js';

// --- packing ------------------------------------------------------------------------------

/**
 * The tree as entries for packLocalBase, parents before children, in name order. Contents of
 * EXCLUDED_CONTENTS and the EXCLUDED_FILES are left out; device nodes, sockets and fifos are
 * skipped. Everything is packed as root:root, and setuid/setgid bits are dropped (submissions
 * run as an unprivileged user; nothing in the image should grant more). Hard links become
 * separate copies.
 */
export async function planRootfs(root: string): Promise<BaseEntry[]> {
  const excludedContents = new Set(EXCLUDED_CONTENTS);
  const excludedFiles = new Set(EXCLUDED_FILES);
  const walked = await walkTree(root, '', { skip: (rel) => excludedFiles.has(rel), skipContents: (rel) => excludedContents.has(rel) });
  // /tmp and /var/tmp keep their sticky, world-writable mode even though their contents are dropped.
  return walked.map((e): BaseEntry => {
    const imagePath = `/${e.rel}`;
    if (e.kind === 'dir') return { kind: 'dir', path: imagePath, mode: e.mode & 0o1777 };
    if (e.kind === 'symlink') return { kind: 'symlink', path: imagePath, target: e.target! };
    return { kind: 'file', path: imagePath, mode: e.mode & 0o777, source: e.abs, size: e.size };
  });
}
