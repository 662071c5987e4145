// Decision logic of ensureLabImage against a fake engine (no Docker needed).
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import type Docker from 'dockerode';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ensureLabImage, ImageBuildError } from './node-image.js';
import { pullMarkerPath, recordPullFailure } from './image-pull-marker.js';
import { localBaseIdentity } from './local-base.js';

class FakeEngine {
  images = new Map<string, { Id: string }>();
  calls: string[] = [];
  pullResult: 'fail' | 'ok' | 'hang' = 'fail';
  buildEvents: object[] = [{ stream: 'Step 1/1 : FROM x\n' }, { aux: { ID: 'sha256:' + 'b'.repeat(64) } }];

  private jsonStream(events: object[]): PassThrough {
    const s = new PassThrough();
    setImmediate(() => {
      for (const e of events) s.write(JSON.stringify(e) + '\r\n');
      s.end();
    });
    return s;
  }

  docker(): Docker {
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the fake's methods are plain objects' methods
    const self = this;
    const fake = {
      getImage(ref: string) {
        return {
          async inspect() {
            self.calls.push(`inspect ${ref}`);
            const img = self.images.get(ref) ?? [...self.images.values()].find((i) => i.Id === ref);
            if (!img) throw Object.assign(new Error('no such image'), { statusCode: 404 });
            return img;
          },
          async tag(o: { repo: string; tag: string }) {
            self.calls.push(`tag ${ref} ${o.repo}:${o.tag}`);
            self.images.set(`${o.repo}:${o.tag}`, { Id: ref });
          },
        };
      },
      async pull(ref: string, opts: { abortSignal?: AbortSignal }) {
        self.calls.push(`pull ${ref}`);
        if (self.pullResult === 'fail') throw Object.assign(new Error('(HTTP code 500) server error'), { statusCode: 500 });
        if (self.pullResult === 'hang') {
          const s = new PassThrough();
          opts.abortSignal?.addEventListener('abort', () => s.destroy(new Error('aborted')));
          return s;
        }
        self.images.set(ref, { Id: 'sha256:' + 'a'.repeat(64) });
        return self.jsonStream([{ status: 'Pulling from library/node' }, { status: 'Status: Downloaded newer image' }]);
      },
      async buildImage(ctx: NodeJS.ReadableStream, opts: { buildargs: Record<string, string> }) {
        self.calls.push(`build BASE=${opts.buildargs.BASE}`);
        ctx.resume();
        return self.jsonStream(self.buildEvents);
      },
      async importImage(tarStream: NodeJS.ReadableStream) {
        self.calls.push('import');
        // Drain the (large) tarball, then report the image id.
        const out = new PassThrough();
        tarStream.on('data', () => undefined);
        tarStream.on('end', () => {
          out.end(JSON.stringify({ status: 'sha256:' + 'c'.repeat(64) }) + '\r\n');
        });
        return out;
      },
      modem: {
        followProgress(stream: NodeJS.ReadableStream, onFinished: (err: Error | null, out: object[]) => void, onProgress: (ev: object) => void) {
          const out: object[] = [];
          let buf = '';
          let done = false;
          stream.on('data', (d: Buffer) => {
            buf += d.toString();
            let i: number;
            while ((i = buf.indexOf('\n')) >= 0) {
              const line = buf.slice(0, i).trim();
              buf = buf.slice(i + 1);
              if (!line) continue;
              const ev = JSON.parse(line) as object;
              out.push(ev);
              onProgress(ev);
            }
          });
          stream.on('error', (err: Error) => {
            if (!done) onFinished(err, out);
            done = true;
          });
          stream.on('end', () => {
            if (!done) onFinished(null, out);
            done = true;
          });
        },
      },
    };
    return fake as unknown as Docker;
  }
}

let root: string;
const saved = process.env.NETLAB_PULL;

beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'netlab-builder-'));
  await writeFile(path.join(root, 'Dockerfile'), 'ARG BASE\nFROM ${BASE}\n');
  await writeFile(path.join(root, 'package.json'), '{}\n');
  await mkdir(path.join(root, 'bin'));
  delete process.env.NETLAB_PULL;
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
  if (saved === undefined) delete process.env.NETLAB_PULL;
  else process.env.NETLAB_PULL = saved;
});

/** A fake with the local base already present, so no 100 MB tarball is streamed. */
async function engineWithLocalBase(): Promise<FakeEngine> {
  const eng = new FakeEngine();
  const { version, hash8 } = await localBaseIdentity();
  eng.images.set(`netlab/base:node${version}-${hash8}`, { Id: 'sha256:' + 'd'.repeat(64) });
  return eng;
}

describe('ensureLabImage (fake engine)', () => {
  it('pulls once, records the failure, falls back to the local base; later builds skip the pull', async () => {
    const eng = await engineWithLocalBase();
    const progress: string[] = [];
    const before = Date.now();
    const r1 = await ensureLabImage(eng.docker(), { projectRoot: root, onProgress: (m) => progress.push(m) });
    expect(r1).toMatchObject({ reused: false, baseKind: 'local' });
    expect(r1.tag).toMatch(/^netlab\/node:[0-9a-f]{12}$/);
    expect(eng.calls.filter((c) => c.startsWith('pull'))).toEqual(['pull node:20-bookworm-slim']);
    const marker = JSON.parse(await readFile(pullMarkerPath(root), 'utf8')) as Record<string, { at: string }>;
    const at = Date.parse(marker['node:20-bookworm-slim']!.at);
    expect(at).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    expect(at).toBeLessThanOrEqual(Date.now());
    expect(progress.some((m) => /pull of node:20-bookworm-slim failed/.test(m))).toBe(true);
    // Only tagged after the build: the hash tag and latest point at the built id.
    expect(eng.images.get(r1.tag)?.Id).toBe('sha256:' + 'b'.repeat(64));
    expect(eng.images.get('netlab/node:latest')?.Id).toBe('sha256:' + 'b'.repeat(64));

    // Same context: reused, no pull, no build.
    eng.calls = [];
    const r2 = await ensureLabImage(eng.docker(), { projectRoot: root });
    expect(r2).toMatchObject({ reused: true, tag: r1.tag, baseKind: 'local' });
    expect(eng.calls.some((c) => c.startsWith('pull') || c.startsWith('build'))).toBe(false);

    // Changed context: rebuilt, but the remembered failure suppresses the pull.
    await writeFile(path.join(root, 'bin', 'x'), 'y');
    eng.calls = [];
    progress.length = 0;
    const r3 = await ensureLabImage(eng.docker(), { projectRoot: root, onProgress: (m) => progress.push(m) });
    expect(r3.reused).toBe(false);
    expect(r3.tag).not.toBe(r1.tag);
    expect(eng.calls.some((c) => c.startsWith('pull'))).toBe(false);
    expect(progress.some((m) => /not pulling/.test(m))).toBe(true);
  });

  it('retries the pull once the marker is older than 24 h', async () => {
    const eng = await engineWithLocalBase();
    await recordPullFailure(root, 'node:20-bookworm-slim', 'old', Date.now() - 25 * 3600_000);
    await ensureLabImage(eng.docker(), { projectRoot: root });
    expect(eng.calls.filter((c) => c.startsWith('pull'))).toHaveLength(1);
  });

  it('never pulls with pull: never or NETLAB_PULL=never', async () => {
    const eng = await engineWithLocalBase();
    await ensureLabImage(eng.docker(), { projectRoot: root, pull: 'never' });
    process.env.NETLAB_PULL = 'never';
    await writeFile(path.join(root, 'bin', 'x'), 'changed');
    await ensureLabImage(eng.docker(), { projectRoot: root, pull: 'auto' });
    expect(eng.calls.some((c) => c.startsWith('pull'))).toBe(false);
    await expect(readFile(pullMarkerPath(root))).rejects.toThrow();
  });

  it('gives up a hanging pull after the timeout', async () => {
    const eng = await engineWithLocalBase();
    eng.pullResult = 'hang';
    // The pull never ends: only the timeout lets this test finish.
    const r = await ensureLabImage(eng.docker(), { projectRoot: root, pullTimeoutMs: 200 });
    expect(r.baseKind).toBe('local');
    const marker = JSON.parse(await readFile(pullMarkerPath(root), 'utf8')) as Record<string, { error: string }>;
    expect(marker['node:20-bookworm-slim']!.error).toMatch(/timed out/);
  });

  it('uses the official base when it is present or pulled', async () => {
    const eng = new FakeEngine();
    eng.pullResult = 'ok';
    const r = await ensureLabImage(eng.docker(), { projectRoot: root });
    expect(r).toMatchObject({ reused: false, baseKind: 'official', base: 'node:20-bookworm-slim' });
    expect(eng.calls).toContain('build BASE=node:20-bookworm-slim');
    eng.calls = [];
    const again = await ensureLabImage(eng.docker(), { projectRoot: root });
    expect(again).toMatchObject({ reused: true, tag: r.tag, baseKind: 'official' });
    expect(eng.calls.some((c) => c.startsWith('pull'))).toBe(false);
  });

  it('turns a build error event into ImageBuildError and tags nothing', async () => {
    const eng = await engineWithLocalBase();
    eng.buildEvents = [{ stream: 'Step 1/5 : FROM x\n' }, { errorDetail: { message: 'COPY failed: no such file' }, error: 'COPY failed: no such file' }];
    const err = await ensureLabImage(eng.docker(), { projectRoot: root, pull: 'never' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImageBuildError);
    expect((err as Error).message).toMatch(/building netlab\/node:[0-9a-f]{12} from netlab\/base:.*COPY failed/);
    expect(eng.calls.some((c) => c.startsWith('tag'))).toBe(false);
  });

  it('fails clearly without a Dockerfile', async () => {
    await rm(path.join(root, 'Dockerfile'));
    const err = await ensureLabImage(new FakeEngine().docker(), { projectRoot: root }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImageBuildError);
    expect((err as Error).message).toMatch(/build context: .*Dockerfile/);
  });

  it('imports the local base when missing', async () => {
    const eng = new FakeEngine();
    const spy = vi.fn();
    const r = await ensureLabImage(eng.docker(), { projectRoot: root, pull: 'never', onProgress: spy });
    expect(eng.calls).toContain('import');
    expect(r.base).toMatch(/^netlab\/base:node\d+\.\d+\.\d+-[0-9a-f]{8}$/);
    expect(eng.images.get(r.base)?.Id).toBe('sha256:' + 'c'.repeat(64));
    expect(spy.mock.calls.some(([m]) => /creating local base/.test(String(m)))).toBe(true);
  });
});
