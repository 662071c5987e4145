// The shared build steps against a fake engine (no Docker needed): error wrapping, reuse,
// build-then-tag, and an import that fails while packing.
import { PassThrough } from 'node:stream';
import Docker from 'dockerode';
import { describe, expect, it } from 'vitest';
import { imageBuildSteps, splitRef } from './image-build-steps.js';
import type { BuildContext } from './image-context.js';

class TestError extends Error {}

/** A fake engine: inspect/tag on a map, build and import answer with the given JSON events. */
function fakeEngine(events: object[] = []) {
  const images = new Map<string, { Id: string }>();
  const calls: string[] = [];
  const json = (evs: object[]) => {
    const s = new PassThrough();
    setImmediate(() => {
      for (const e of evs) s.write(JSON.stringify(e) + '\r\n');
      s.end();
    });
    return s;
  };
  const docker = {
    modem: new Docker().modem, // followProgress only parses the stream; no engine is contacted
    getImage(ref: string) {
      return {
        async inspect() {
          const img = images.get(ref);
          if (!img) throw Object.assign(new Error('no such image'), { statusCode: 404 });
          return img;
        },
        async tag(o: { repo: string; tag: string }) {
          calls.push(`tag ${ref} ${o.repo}:${o.tag}`);
          images.set(`${o.repo}:${o.tag}`, { Id: ref });
        },
      };
    },
    async buildImage(ctx: NodeJS.ReadableStream, opts: { labels?: object; abortSignal?: AbortSignal }) {
      calls.push(`build ${JSON.stringify(opts.labels)} signal=${'abortSignal' in opts}`);
      ctx.resume();
      return json(events);
    },
    async importImage(tarStream: NodeJS.ReadableStream, opts: { changes: string[]; abortSignal: AbortSignal }) {
      calls.push(`import ${opts.changes.join('|')}`);
      const out = new PassThrough();
      tarStream.on('data', () => undefined);
      tarStream.on('end', () => out.end(JSON.stringify({ status: 'sha256:' + 'c'.repeat(64) }) + '\r\n'));
      opts.abortSignal.addEventListener('abort', () => out.destroy(new Error('upload aborted')));
      return out;
    },
  };
  return { docker: docker as unknown as Docker, images, calls };
}

const context: BuildContext = { root: '/p', entries: [{ rel: 'Dockerfile', kind: 'file', mode: 0o644, data: Buffer.from('FROM x\n') }], hash: 'h' };

describe('image build steps', () => {
  it('wraps failures in the builder\'s error class with the step, keeping its own errors as they are', async () => {
    const { docker } = fakeEngine();
    const steps = imageBuildSteps(docker, { error: TestError });
    const err = await steps.step('doing x', async () => {
      throw Object.assign(new Error('boom'), { statusCode: 500, json: { message: 'engine says no' } });
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TestError);
    expect((err as Error).message).toBe('doing x: engine says no (HTTP 500)');
    const own = new TestError('as is');
    await expect(steps.step('doing y', () => Promise.reject(own))).rejects.toBe(own);
    const ac = new AbortController();
    ac.abort();
    expect(() => imageBuildSteps(docker, { error: TestError, signal: ac.signal }).checkAborted('z')).toThrow(TestError);
  });

  it('maps a missing project to a build-context error', async () => {
    const { docker } = fakeEngine();
    const err = await imageBuildSteps(docker, { error: TestError }).readContext('/nonexistent/netlab-project').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TestError);
    expect((err as Error).message).toMatch(/build context/);
  });

  it('points latest at a reused image only when it does not already', async () => {
    const { docker, images, calls } = fakeEngine();
    const said: string[] = [];
    const steps = imageBuildSteps(docker, { error: TestError, onProgress: (m) => said.push(m) });
    images.set('r/x:1', { Id: 'id1' });
    await steps.reuse('r/x:1', { Id: 'id1' } as Docker.ImageInspectInfo, 'r/x:latest', 'b');
    await steps.reuse('r/x:1', { Id: 'id1' } as Docker.ImageInspectInfo, 'r/x:latest', 'b');
    expect(calls).toEqual(['tag id1 r/x:latest']);
    expect(said).toEqual(['reusing r/x:1 (base b)', 'reusing r/x:1 (base b)']);
  });

  it('builds untagged, reports the build output, then tags', async () => {
    const { docker, calls } = fakeEngine([{ stream: 'Step 1/1 : FROM x\n' }, { stream: '\n' }, { stream: 'Successfully built 0123456789ab\n' }]);
    const said: string[] = [];
    const steps = imageBuildSteps(docker, { error: TestError, onProgress: (m) => said.push(m) });
    await steps.buildTagged('building r/x:1', context, { labels: { a: 'b' } }, ['r/x:1', 'r/x:latest']);
    expect(calls).toEqual(['build {"a":"b"} signal=true', 'tag 0123456789ab r/x:1', 'tag 0123456789ab r/x:latest']);
    expect(said).toEqual(['Step 1/1 : FROM x', 'Successfully built 0123456789ab']);
  });

  it('does not tag when the build fails', async () => {
    const { docker, calls } = fakeEngine([{ stream: 'Step 1/1 : RUN false\n' }, { errorDetail: { message: 'returned a non-zero code: 1' } }]);
    const steps = imageBuildSteps(docker, { error: TestError });
    await expect(steps.buildTagged('building r/x:1', context, {}, ['r/x:1'])).rejects.toThrow('building r/x:1: returned a non-zero code: 1');
    expect(calls.filter((c) => c.startsWith('tag'))).toEqual([]);
  });

  it('imports and tags; a file that cannot be read aborts the import with that error', async () => {
    const { docker, calls } = fakeEngine();
    const steps = imageBuildSteps(docker, { error: TestError });
    await steps.importTagged('importing r/b:1', 'r/b:1', [{ kind: 'content', path: '/etc/x', mode: 0o644, data: 'x' }], ['CMD ["/bin/sh"]'], 'm');
    expect(calls).toEqual(['import CMD ["/bin/sh"]', `tag sha256:${'c'.repeat(64)} r/b:1`]);
    const missing = [{ kind: 'file' as const, path: '/bin/gone', mode: 0o755, source: '/nonexistent/netlab-gone', size: 1 }];
    const err = await steps.importTagged('importing r/b:2', 'r/b:2', missing, [], 'm').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TestError);
    expect((err as Error).message).toMatch(/^importing r\/b:2: .*netlab-gone/);
    expect(calls.some((c) => c.endsWith('r/b:2'))).toBe(false);
  });

  it('splits references at the tag, not at a registry port', () => {
    expect(splitRef('a/b:1')).toEqual({ repo: 'a/b', tag: '1' });
    expect(splitRef('host:5000/a/b')).toEqual({ repo: 'host:5000/a/b', tag: 'latest' });
  });
});
