// Copies the npm packages the reference apps need at run time (and everything they
// depend on) into dist/apps/node_modules, after `tsc`.
//
// Why: the node and grading images carry only package.json, bin/ and dist/apps/ (no
// node_modules). Node resolves a bare import from dist/apps/<app>/x.js by walking up to
// dist/apps/node_modules, so the apps find their packages there on the host and in every
// image, with no change to how images are built. Only the apps' own dependencies are copied,
// never the controller's.
import { cpSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The packages src/apps/** import (quicchat: QUIC, bcrypt hashes, X.509 certificates). */
export const APP_DEPENDENCIES = ['@matrixai/quic', 'bcryptjs', '@peculiar/x509'];

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const from = join(root, 'node_modules');
const to = join(root, 'dist', 'apps', 'node_modules');

const seen = new Set();
const queue = [...APP_DEPENDENCIES];
while (queue.length > 0) {
  const name = queue.shift();
  if (seen.has(name)) continue;
  const dir = join(from, name);
  if (!existsSync(join(dir, 'package.json'))) continue; // an optional dependency for another platform
  seen.add(name);
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  queue.push(...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.optionalDependencies ?? {}));
}
for (const name of APP_DEPENDENCIES) if (!seen.has(name)) throw new Error(`vendor-app-deps: ${name} is not installed (run npm ci)`);

rmSync(to, { recursive: true, force: true });
for (const name of [...seen].sort()) {
  cpSync(join(from, name), join(to, name), { recursive: true, dereference: true, filter: (src) => !/([\\/](test|tests|docs|\.github)|\.map|\.d\.ts)$/.test(src) });
}
process.stdout.write(`vendor-app-deps: ${seen.size} package(s) into dist/apps/node_modules\n`);
