import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { collectContext, ContextError, packContext } from './image-context.js';
import { readTar } from './image-test-helpers.js';

let root: string;

async function put(rel: string, data: string, mode = 0o644): Promise<void> {
  const p = path.join(root, rel);
  await mkdir(path.dirname(p), { recursive: true });
  await writeFile(p, data);
  await chmod(p, mode);
}

beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'netlab-ctx-'));
  await put('Dockerfile', 'ARG BASE=x\nFROM ${BASE}\n');
  await put('package.json', '{"type":"module"}\n');
  await put('bin/lab-chat', '#!/usr/bin/env node\nimport "../dist/apps/chat/main.js";\n', 0o755);
  await put('dist/apps/chat/main.js', 'console.log(1);\n');
  await put('dist/apps/common/util.js', 'export {};\n');
  await put('dist/other/ignored.js', 'nope\n');
  await put('src/ignored.ts', 'nope\n');
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('collectContext', () => {
  it('lists exactly the Dockerfile inputs in a stable order', async () => {
    const ctx = await collectContext(root);
    expect(ctx.entries.map((e) => `${e.kind}:${e.rel}`)).toEqual([
      'file:Dockerfile',
      'file:package.json',
      'dir:bin',
      'file:bin/lab-chat',
      'dir:dist',
      'dir:dist/apps',
      'dir:dist/apps/chat',
      'file:dist/apps/chat/main.js',
      'dir:dist/apps/common',
      'file:dist/apps/common/util.js',
    ]);
    expect(ctx.entries.find((e) => e.rel === 'bin/lab-chat')?.mode).toBe(0o755);
    expect(ctx.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('hashes stably', async () => {
    const a = await collectContext(root);
    const b = await collectContext(root);
    expect(b.hash).toBe(a.hash);
  });

  it('changes the hash when a file, a mode, a name or the file set changes', async () => {
    const base = (await collectContext(root)).hash;
    const seen = new Set([base]);

    await put('dist/apps/chat/main.js', 'console.log(2);\n');
    const h1 = (await collectContext(root)).hash;
    expect(seen.has(h1)).toBe(false);
    seen.add(h1);

    await chmod(path.join(root, 'dist/apps/chat/main.js'), 0o755);
    const h2 = (await collectContext(root)).hash;
    expect(seen.has(h2)).toBe(false);
    seen.add(h2);

    await put('dist/apps/chat/extra.js', '');
    const h3 = (await collectContext(root)).hash;
    expect(seen.has(h3)).toBe(false);
    seen.add(h3);

    await put('Dockerfile', 'ARG BASE=y\nFROM ${BASE}\n');
    const h4 = (await collectContext(root)).hash;
    expect(seen.has(h4)).toBe(false);
  });

  it('ignores files outside the context', async () => {
    const before = (await collectContext(root)).hash;
    await put('dist/other/ignored.js', 'changed\n');
    await put('src/ignored.ts', 'changed\n');
    await put('.netlab/pull-failed.json', '{}');
    expect((await collectContext(root)).hash).toBe(before);
  });

  it('handles missing bin/ and dist/apps/ as empty directories', async () => {
    await rm(path.join(root, 'bin'), { recursive: true });
    await rm(path.join(root, 'dist'), { recursive: true });
    const ctx = await collectContext(root);
    expect(ctx.entries.map((e) => `${e.kind}:${e.rel}`)).toEqual([
      'file:Dockerfile',
      'file:package.json',
      'dir:bin',
      'dir:dist',
      'dir:dist/apps',
    ]);
    const items = await readTar(packContext(ctx));
    expect([...items.keys()]).toEqual(['Dockerfile', 'package.json', 'bin/', 'dist/', 'dist/apps/']);
  });

  it('fails clearly without a Dockerfile', async () => {
    await rm(path.join(root, 'Dockerfile'));
    await expect(collectContext(root)).rejects.toThrow(ContextError);
    await expect(collectContext(root)).rejects.toThrow(/Dockerfile/);
  });

  it('keeps symlinks as symlinks', async () => {
    await symlink('lab-chat', path.join(root, 'bin/chat'));
    const ctx = await collectContext(root);
    expect(ctx.entries.find((e) => e.rel === 'bin/chat')).toMatchObject({ kind: 'symlink', target: 'lab-chat' });
    const items = await readTar(packContext(ctx));
    expect(items.get('bin/chat')).toMatchObject({ type: 'symlink', linkname: 'lab-chat' });
  });

  it('packs only the context, with contents and modes', async () => {
    const items = await readTar(packContext(await collectContext(root)));
    expect([...items.keys()].sort()).toEqual(
      ['Dockerfile', 'package.json', 'bin/', 'bin/lab-chat', 'dist/', 'dist/apps/', 'dist/apps/chat/', 'dist/apps/chat/main.js', 'dist/apps/common/', 'dist/apps/common/util.js'].sort(),
    );
    expect(items.get('bin/lab-chat')!.mode & 0o777).toBe(0o755);
    expect(items.get('dist/apps/chat/main.js')!.data.toString()).toBe('console.log(1);\n');
  });

  // Speed is the benchmark's business (npm run bench); a test only checks what was collected.
  it('collects a few hundred files in nested folders, in a stable order', async () => {
    for (let i = 0; i < 400; i++) await put(`dist/apps/gen/d${i % 20}/f${i}.js`, `export const x = ${i};\n`.repeat(20));
    const ctx = await collectContext(root);
    expect(ctx.entries.filter((e) => e.kind === 'file').length).toBe(405);
    const rels = ctx.entries.map((e) => e.rel);
    expect(rels.indexOf('dist/apps/gen/d0')).toBeLessThan(rels.indexOf('dist/apps/gen/d0/f0.js'));
    expect((await collectContext(root)).hash).toBe(ctx.hash);
  });
});
