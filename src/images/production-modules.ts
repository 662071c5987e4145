import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The node_modules folders netlab needs at run time (its dependencies and theirs, never the
 * dev tools), relative to the project root, sorted: what the grader image copies. Resolved
 * the way Node does: a package's own node_modules first, then each parent's, up to the root.
 */
export function productionModules(projectRoot: string): string[] {
  const found = new Set<string>();
  const deps = (dir: string): string[] => {
    const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { dependencies?: object; optionalDependencies?: object };
    return [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.optionalDependencies ?? {})];
  };
  const resolveFrom = (fromDir: string, name: string): string | undefined => {
    for (let d = fromDir; ; d = path.dirname(d)) {
      const cand = path.join(d, 'node_modules', name);
      if (existsSync(path.join(cand, 'package.json'))) return cand;
      if (d === projectRoot || path.dirname(d) === d) return undefined;
    }
  };
  const visit = (fromDir: string) => {
    for (const name of deps(fromDir)) {
      const dir = resolveFrom(fromDir, name);
      // An optional package for another platform (e.g. @matrixai/quic-darwin-arm64) is not installed.
      if (!dir) continue;
      const rel = path.relative(projectRoot, dir).split(path.sep).join('/');
      if (found.has(rel)) continue;
      found.add(rel);
      visit(dir);
    }
  };
  visit(projectRoot);
  // A package nested in another's node_modules is copied with its parent.
  return [...found].filter((r) => ![...found].some((o) => o !== r && r.startsWith(`${o}/`))).sort();
}
