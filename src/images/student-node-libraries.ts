import type { ContextEntry } from './image-context.js';

/** The npm libraries a Node submission may import in the grading image (and everything they depend on). */
export const STUDENT_NODE_LIBRARIES: readonly string[] = ['@matrixai/quic'];
/** Where they live in the grading image: the folder `npm install -g` would use. */
export const STUDENT_NODE_MODULES = '/usr/local/lib/node_modules';
/** Their folder in the grading image's build context. */
export const STUDENT_LIBS_CONTEXT_DIR = 'student-node-modules';

const VENDORED = 'dist/apps/node_modules/';

/** The package a path below dist/apps/node_modules/ belongs to ('@scope/name' or 'name'), or undefined. */
function packageOf(rel: string): string | undefined {
  if (!rel.startsWith(VENDORED)) return undefined;
  const parts = rel.slice(VENDORED.length).split('/');
  if (parts[0]?.startsWith('@')) return parts.length >= 2 ? `${parts[0]}/${parts[1]}` : undefined;
  return parts[0] || undefined;
}

/**
 * The build-context entries that put `roots` and their dependencies (as vendored into
 * dist/apps/node_modules by the build) below `student-node-modules/`, for the grading
 * image to copy to STUDENT_NODE_MODULES.
 *
 * Why a copy of these packages only: submission nodes see nothing of /opt/netlab (the
 * reference apps and the node_modules beside them are hidden, issue 16), yet a QUIC chat
 * can only be written in Node with @matrixai/quic (Debian has no aioquic). Copying just the
 * library's closure gives students the library without netlab's apps or other packages.
 * A dependency npm did not install (another platform's prebuilt binary) is skipped; a root
 * that is not vendored is an error, so an image never silently lacks it.
 */
export function studentLibraryEntries(apps: readonly ContextEntry[], roots: readonly string[] = STUDENT_NODE_LIBRARIES): ContextEntry[] {
  const manifests = new Map<string, { dependencies?: Record<string, string>; optionalDependencies?: Record<string, string> }>();
  for (const e of apps) {
    const pkg = packageOf(e.rel);
    if (e.kind === 'file' && pkg && e.rel === `${VENDORED}${pkg}/package.json`) manifests.set(pkg, JSON.parse(e.data!.toString('utf8')));
  }
  const wanted = new Set<string>();
  const queue = [...roots];
  for (const r of roots) if (!manifests.has(r)) throw new Error(`${r} is not in dist/apps/node_modules (run \`npm run build\`): the grading image needs it for Node submissions`);
  while (queue.length) {
    const name = queue.shift()!;
    if (wanted.has(name) || !manifests.has(name)) continue;
    wanted.add(name);
    const m = manifests.get(name)!;
    queue.push(...Object.keys({ ...m.dependencies, ...m.optionalDependencies }));
  }
  const out: ContextEntry[] = [{ rel: STUDENT_LIBS_CONTEXT_DIR, kind: 'dir', mode: 0o755 }];
  const scopes = new Set<string>();
  for (const e of apps) {
    const pkg = packageOf(e.rel);
    if (!pkg || !wanted.has(pkg)) continue;
    const scope = pkg.includes('/') ? pkg.split('/')[0]! : undefined;
    if (scope && !scopes.has(scope)) {
      scopes.add(scope);
      out.push({ rel: `${STUDENT_LIBS_CONTEXT_DIR}/${scope}`, kind: 'dir', mode: 0o755 });
    }
    out.push({ ...e, rel: `${STUDENT_LIBS_CONTEXT_DIR}/${e.rel.slice(VENDORED.length)}` });
  }
  return out;
}
