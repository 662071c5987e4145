/**
 * Build step: copies the npm packages the apps import at run time (and everything they
 * depend on) into dist/apps/node_modules, leaving out source maps, type declarations and
 * PGlite's optional extension bundles.
 *
 * Why: the node image carries bin/ and dist/apps/ only (no npm inside, no node_modules);
 * Node resolves dist/apps/<system>/x.js's imports from dist/apps/node_modules, so a copy
 * there makes the same programs run in a container as on the host. Run after tsc (the
 * `lab` script and `npm run build` do); it skips the copy when package-lock.json has not
 * changed since the last one.
 */
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The packages apps import directly; their dependencies follow. */
export const APP_RUNTIME_PACKAGES = ['fastify', 'jose', 'qrcode', 'pg', '@electric-sql/pglite'];

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
  const lock = readFileSync(path.join(root, 'package-lock.json'));
  const stamp = createHash('sha256').update(lock).update(APP_RUNTIME_PACKAGES.join(',')).update('v1').digest('hex');
  if (existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp) return;
  rmSync(dest, { recursive: true, force: true });
  const seen = new Map<string, string>(); // source dir -> destination dir
  const queue: Array<{ name: string; from: string; into: string }> = APP_RUNTIME_PACKAGES.map((name) => ({ name, from: root, into: dest }));
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
  process.stderr.write(`vendor-deps: ${seen.size} packages copied to ${path.relative(root, dest)}\n`);
}

main();
