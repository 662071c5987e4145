// Builds the lab image on the real Docker engine and runs containers from it.
// Skips (with the reason) when Docker is unreachable, unless CI is set: then it fails.
// Everything it creates lives under a throwaway repository namespace and is removed after.
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureLabImage, type BuiltImage, type ImageBuildOptions } from './node-image.js';
import { dockerGate, runContainer } from './image-test-helpers.js';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const docker = new Docker();

const { unreachable, requireDocker } = await dockerGate(docker, 'image-builder integration tests');

const ns = `netlab-test-${process.pid}-${Date.now().toString(36)}`;
let project = '';
const created = { tags: new Set<string>(), bases: new Set<string>() };

function options(extra: Partial<ImageBuildOptions> = {}): ImageBuildOptions {
  return {
    projectRoot: project,
    pull: 'never', // tests never contact a registry
    repository: `${ns}/node`,
    baseRepository: `${ns}/base`,
    ...extra,
  };
}

function remember(r: BuiltImage): BuiltImage {
  created.tags.add(r.tag);
  created.tags.add(r.tag.replace(/:[^:]+$/, ':latest'));
  if (r.base.startsWith(`${ns}/`)) created.bases.add(r.base);
  return r;
}

function run(image: string, cmd: string[]): Promise<{ code: number; out: string }> {
  return runContainer(docker, image, cmd, { label: ns });
}

beforeAll(async () => {
  project = await mkdtemp(path.join(tmpdir(), 'netlab-image-it-'));
  await cp(path.join(REPO_ROOT, 'Dockerfile'), path.join(project, 'Dockerfile'));
  await cp(path.join(REPO_ROOT, 'package.json'), path.join(project, 'package.json'));
  for (const dir of ['bin', 'dist/apps']) {
    const src = path.join(REPO_ROOT, dir);
    if (existsSync(src)) await cp(src, path.join(project, dir), { recursive: true });
  }
  // A known app so the image's ESM layout (package.json "type": "module") is exercised.
  await mkdir(path.join(project, 'dist/apps/__probe'), { recursive: true });
  await writeFile(path.join(project, 'dist/apps/__probe/main.js'), 'import os from "node:os";\nconsole.log(`probe ${os.userInfo().username}`);\n');
  await mkdir(path.join(project, 'bin'), { recursive: true });
  await writeFile(path.join(project, 'bin/netlab-probe'), '#!/usr/bin/env node\nimport "../dist/apps/__probe/main.js";\n', { mode: 0o755 });
});

afterAll(async () => {
  if (!unreachable) {
    // Untag what we tagged, then remove any image built from our throwaway base (including
    // a concurrent build's untagged twin), then the base itself. Nothing outside `ns` is touched.
    for (const tag of created.tags) await docker.getImage(tag).remove().catch(() => undefined);
    for (const base of created.bases) {
      const leftovers = await docker.listImages({ all: false, filters: JSON.stringify({ label: [`netlab.base=${base}`] }) }).catch(() => []);
      for (const img of leftovers) {
        const tags = (img.RepoTags ?? []).filter((t) => t !== '<none>:<none>');
        if (tags.every((t) => t.startsWith(`${ns}/`))) await docker.getImage(img.Id).remove({ force: true }).catch(() => undefined);
      }
      await docker.getImage(base).remove().catch(() => undefined);
    }
  }
  if (project) await rm(project, { recursive: true, force: true });
}, 120_000);

describe('lab image on the Docker engine', () => {
  let first: BuiltImage | undefined;

  it('builds on a local base and runs node and sh', async (ctx) => {
    requireDocker(ctx);
    const progress: string[] = [];
    const t0 = performance.now();
    first = remember(await ensureLabImage(docker, options({ onProgress: (m) => progress.push(m) })));
    const wall = Math.round(performance.now() - t0);
    console.log(`first build (local base import + build): ${first.ms} ms (wall ${wall} ms) -> ${first.tag}`);
    expect(first).toMatchObject({ reused: false, baseKind: 'local' });
    expect(first.tag).toMatch(new RegExp(`^${ns}/node:[0-9a-f]{12}$`));
    expect(first.base).toMatch(new RegExp(`^${ns}/base:node${process.version.slice(1).replace(/\./g, '\\.')}-[0-9a-f]{8}$`));
    expect(progress.some((m) => m.startsWith('creating local base'))).toBe(true);
    expect(progress.some((m) => /^Step \d+\/\d+ : FROM /.test(m))).toBe(true);

    const info = await docker.getImage(first.tag).inspect();
    expect(info.Config.Labels?.['netlab.image']).toBe('node');
    expect(info.Config.Env).toContain('PATH=/opt/netlab/bin:/usr/local/bin:/usr/local/sbin:/usr/bin:/usr/sbin:/bin:/sbin');
    expect(info.Config.Env).toContain('PYTHONUNBUFFERED=1');
    expect(info.Config.WorkingDir).toBe('/lab');
    const latest = await docker.getImage(`${ns}/node:latest`).inspect();
    expect(latest.Id).toBe(info.Id);

    const node = await run(first.tag, ['node', '-e', 'console.log(process.version)']);
    expect(node).toEqual({ code: 0, out: process.version });
    const sh = await run(first.tag, ['sh', '-c', 'echo hi']);
    expect(sh).toEqual({ code: 0, out: 'hi' });
    const probe = await run(first.tag, ['netlab-probe']);
    expect(probe).toEqual({ code: 0, out: 'probe root' });
    const env = await run(first.tag, ['sh', '-c', 'pwd; id -u lab; stat -c %a /tmp; ls -1 /opt/netlab; readlink /usr/bin/env']);
    expect(env).toEqual({ code: 0, out: ['/lab', '1000', '1777', 'bin', 'dist', 'package.json', '/bin/busybox'].join('\n') });
  }, 240_000);

  it('reuses the image at once when nothing changed', async (ctx) => {
    requireDocker(ctx);
    expect(first, 'the build test must have run').toBeDefined();
    const t0 = performance.now();
    const again = await ensureLabImage(docker, options());
    const wall = Math.round(performance.now() - t0);
    console.log(`reuse: ${again.ms} ms (wall ${wall} ms)`);
    expect(again).toMatchObject({ reused: true, tag: first!.tag, base: first!.base, baseKind: 'local' });
  }, 60_000);

  it('survives two concurrent builds of a changed context', async (ctx) => {
    requireDocker(ctx);
    expect(first).toBeDefined();
    await writeFile(path.join(project, 'dist/apps/__probe/extra.js'), `export const at = ${Date.now()};\n`);
    const [a, b] = await Promise.all([ensureLabImage(docker, options()), ensureLabImage(docker, options())]);
    remember(a);
    remember(b);
    expect(a.tag).toBe(b.tag);
    expect(a.tag).not.toBe(first!.tag);
    expect(a.base).toBe(first!.base); // the local base is reused
    const out = await run(a.tag, ['sh', '-c', 'cat /opt/netlab/dist/apps/__probe/extra.js']);
    expect(out.out).toMatch(/^export const at = \d+;$/);
    const again = await ensureLabImage(docker, options());
    expect(again).toMatchObject({ reused: true, tag: a.tag });
  }, 240_000);

  it('builds FROM an "official" base that is present locally', async (ctx) => {
    requireDocker(ctx);
    expect(first).toBeDefined();
    // Our throwaway local base stands in for node:20-bookworm-slim here (no registry access).
    const r = remember(await ensureLabImage(docker, options({ officialBase: first!.base, pull: 'auto' })));
    expect(r).toMatchObject({ reused: false, baseKind: 'official', base: first!.base });
    expect(existsSync(path.join(project, '.netlab/pull-failed.json'))).toBe(false);
    const sh = await run(r.tag, ['sh', '-c', 'echo hi']);
    expect(sh.out).toBe('hi');
    const again = await ensureLabImage(docker, options({ officialBase: first!.base }));
    expect(again).toMatchObject({ reused: true, tag: r.tag, baseKind: 'official' });
  }, 240_000);
});
