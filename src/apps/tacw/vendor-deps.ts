/**
 * Build step: copies the npm packages the apps import at run time (found in the compiled
 * code, with everything they depend on) into dist/apps/node_modules, leaving out source maps, type declarations and
 * PGlite's optional extension bundles.
 *
 * Why: the node image carries bin/ and dist/apps/ only (no npm inside, no node_modules);
 * Node resolves dist/apps/<system>/x.js's imports from dist/apps/node_modules, so a copy
 * there makes the same programs run in a container as on the host. Run after tsc (the
 * `lab` script and `npm run build` do); it skips the copy when package-lock.json has not
 * changed since the last one.
 */
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The npm packages the compiled apps import (every bare specifier in the .js files under dist/apps
 * that is not a Node built-in); their dependencies follow.
 */
export function appRuntimePackages(appsDir: string): string[] {
  const found = new Set<string>();
  const spec = /(?:\bfrom\s*|\bimport\s*\(?\s*)['"]([^'"./][^'"]*)['"]/g;
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (e.name !== 'node_modules') walk(p);
      } else if (e.name.endsWith('.js')) {
        for (const m of readFileSync(p, 'utf8').matchAll(spec)) {
          const name = m[1]!.startsWith('@') ? m[1]!.split('/').slice(0, 2).join('/') : m[1]!.split('/')[0]!;
          if (/^(@[a-z0-9._-]+\/)?[a-z0-9][a-z0-9._-]*$/.test(name) && !builtinModules.includes(name)) found.add(name);
        }
      }
    }
  };
  walk(appsDir);
  return [...found].sort();
}

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const dest = path.join(root, 'dist', 'apps', 'node_modules');
const stampFile = path.join(dest, '.vendored');

/** Where `name` resolves from a package directory, walking up node_modules as Node does. */
function resolvePackageDir(name: string, from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', name);
    if (existsSync(path.join(candidate, 'package.json'))) return candidate;
    if (dir === root || path.dirname(dir) === dir) throw new Error(`vendor-deps: cannot find package ${name} from ${from}`);
  }
}

function skip(src: string): boolean {
  const base = path.basename(src);
  if (base === 'node_modules') return true; // nested ones are copied as packages of their own
  if (/\.(map|d\.ts|d\.cts|d\.mts|md)$/.test(base) && base !== 'package.json') return true;
  return /[\\/]@electric-sql[\\/]pglite[\\/]dist[\\/][^\\/]+\.tar\.gz$/.test(src); // extensions we do not load
}

function main(): void {
  const packages = appRuntimePackages(path.join(root, 'dist', 'apps'));
  const lock = readFileSync(path.join(root, 'package-lock.json'));
  const stamp = createHash('sha256').update(lock).update(packages.join(',')).update('v2').digest('hex');
  if (existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp) return;
  rmSync(dest, { recursive: true, force: true });
  const seen = new Map<string, string>(); // source dir -> destination dir
  const queue: Array<{ name: string; from: string; into: string }> = packages.map((name) => ({ name, from: root, into: dest }));
  while (queue.length) {
    const { name, from, into } = queue.shift()!;
    const src = resolvePackageDir(name, from);
    if (seen.has(src)) continue;
    // Hoisted packages (root/node_modules/x) go to dest/x; nested ones keep their nesting.
    const rel = path.relative(path.join(root, 'node_modules'), src);
    const target = rel.startsWith('..') ? path.join(into, name) : path.join(dest, rel);
    seen.set(src, target);
    mkdirSync(path.dirname(target), { recursive: true });
    cpSync(src, target, { recursive: true, dereference: true, filter: (s) => !skip(s) });
    const pkg = JSON.parse(readFileSync(path.join(src, 'package.json'), 'utf8')) as { dependencies?: Record<string, string>; optionalDependencies?: Record<string, string> };
    for (const dep of Object.keys({ ...pkg.dependencies })) queue.push({ name: dep, from: src, into: target });
    for (const dep of Object.keys({ ...pkg.optionalDependencies })) {
      try {
        resolvePackageDir(dep, src);
        queue.push({ name: dep, from: src, into: target });
      } catch {
        // an optional dependency npm did not install
      }
    }
  }
  writeFileSync(stampFile, stamp);
  process.stderr.write(`vendor-deps: ${packages.join(', ')} and their dependencies, ${seen.size} packages, copied to ${path.relative(root, dest)}\n`);
}

main();
