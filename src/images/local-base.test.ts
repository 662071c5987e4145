import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTar } from './image-test-helpers.js';
import {
  BUSYBOX_APPLETS,
  ETC_PASSWD,
  gatherLocalBaseInputs,
  localBaseIdentity,
  packLocalBase,
  parseLdd,
  planLocalBase,
  type LocalBaseInputs,
} from './local-base.js';

const LDD_SAMPLE = `	linux-vdso.so.1 (0x00007ffd5a5f2000)
	libdl.so.2 => /lib/x86_64-linux-gnu/libdl.so.2 (0x00007f20cdfba000)
	libstdc++.so.6 => /lib/x86_64-linux-gnu/libstdc++.so.6 (0x00007f20cdc00000)
	libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f20cda1e000)
	/lib64/ld-linux-x86-64.so.2 (0x00007f20cdfd2000)
`;

describe('parseLdd', () => {
  it('returns libraries and the loader, not the vdso', () => {
    expect(parseLdd(LDD_SAMPLE)).toEqual([
      '/lib/x86_64-linux-gnu/libdl.so.2',
      '/lib/x86_64-linux-gnu/libstdc++.so.6',
      '/lib/x86_64-linux-gnu/libc.so.6',
      '/lib64/ld-linux-x86-64.so.2',
    ]);
  });
  it('handles static binaries and musl-style output', () => {
    expect(parseLdd('\tnot a dynamic executable\n')).toEqual([]);
    expect(parseLdd('\tstatically linked\n')).toEqual([]);
    expect(parseLdd('\t/lib/ld-musl-x86_64.so.1 (0x7f)\n\tlibc.musl-x86_64.so.1 => /lib/ld-musl-x86_64.so.1 (0x7f)\n')).toEqual([
      '/lib/ld-musl-x86_64.so.1',
    ]);
  });
  it('throws on missing libraries', () => {
    expect(() => parseLdd('\tlibfoo.so.1 => not found\n')).toThrow(/libfoo/);
  });
});

describe('local base tarball', () => {
  let dir: string;
  let inputs: LocalBaseInputs;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'netlab-base-'));
    const mk = async (name: string, data: string) => {
      const p = path.join(dir, name);
      await writeFile(p, data);
      return { source: p, size: Buffer.byteLength(data) };
    };
    inputs = {
      node: { path: '/usr/local/bin/node', mode: 0o755, ...(await mk('node', 'NODE-BINARY')) },
      libs: [
        { path: '/lib/x86_64-linux-gnu/libc.so.6', mode: 0o755, ...(await mk('libc.so.6', 'LIBC')) },
        { path: '/lib64/ld-linux-x86-64.so.2', mode: 0o755, ...(await mk('ld.so', 'LOADER')) },
      ],
      busybox: { path: '/bin/busybox', mode: 0o755, ...(await mk('busybox', 'BUSYBOX')) },
      applets: BUSYBOX_APPLETS,
    };
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('plans parents before children and no duplicates', () => {
    const entries = planLocalBase(inputs);
    const paths = entries.map((e) => e.path);
    expect(new Set(paths).size).toBe(paths.length);
    paths.forEach((p, i) => {
      const parent = path.posix.dirname(p);
      if (parent === '/') return;
      expect(paths.indexOf(parent)).toBeGreaterThanOrEqual(0);
      expect(paths.indexOf(parent)).toBeLessThan(i);
    });
  });

  it('holds node, libraries at the ldd paths, busybox with applet links, and /etc files', async () => {
    const items = await readTar(packLocalBase(planLocalBase(inputs)));
    expect(items.get('usr/local/bin/node')).toMatchObject({ type: 'file' });
    expect(items.get('usr/local/bin/node')!.data.toString()).toBe('NODE-BINARY');
    expect(items.get('usr/local/bin/node')!.mode & 0o777).toBe(0o755);
    expect(items.get('lib/x86_64-linux-gnu/libc.so.6')!.data.toString()).toBe('LIBC');
    expect(items.get('lib64/ld-linux-x86-64.so.2')!.data.toString()).toBe('LOADER');
    expect(items.get('bin/busybox')!.data.toString()).toBe('BUSYBOX');
    for (const applet of BUSYBOX_APPLETS) {
      expect(items.get(`bin/${applet}`), applet).toMatchObject({ type: 'symlink', linkname: 'busybox' });
    }
    for (const a of ['sh', 'env', 'nc', 'ip', 'ping', '[', 'netstat', 'sha256sum']) expect(items.has(`bin/${a}`)).toBe(true);
    expect(items.get('usr/bin/env')).toMatchObject({ type: 'symlink', linkname: '/bin/busybox' });
    expect(items.get('etc/passwd')!.data.toString()).toBe(ETC_PASSWD);
    expect(ETC_PASSWD).toMatch(/^root:x:0:0:/m);
    expect(ETC_PASSWD).toMatch(/^lab:x:1000:1000:/m);
    expect(items.get('etc/group')!.data.toString()).toMatch(/^lab:x:1000:/m);
    expect(items.get('etc/nsswitch.conf')!.data.toString()).toMatch(/^hosts:\s+files dns/m);
    expect(items.get('tmp/')).toMatchObject({ type: 'directory' });
    expect(items.get('tmp/')!.mode & 0o7777).toBe(0o1777);
    for (const d of ['lab/', 'root/', 'usr/local/bin/', 'lib/x86_64-linux-gnu/', 'lib64/']) {
      expect(items.get(d), d).toMatchObject({ type: 'directory' });
    }
  });

  it('works without busybox', async () => {
    const items = await readTar(packLocalBase(planLocalBase({ ...inputs, busybox: null, applets: [] })));
    expect(items.has('bin/busybox')).toBe(false);
    expect(items.has('bin/sh')).toBe(false);
    expect(items.has('usr/local/bin/node')).toBe(true);
  });

  it('errors the stream when a source file changed', async () => {
    const bad = { ...inputs, node: { ...inputs.node, size: 999 } };
    await expect(readTar(packLocalBase(planLocalBase(bad)))).rejects.toThrow(/changed size/);
  });
});

describe('host inputs', () => {
  it('finds node and the loader on this host', async () => {
    const inputs = await gatherLocalBaseInputs();
    expect(inputs.node.path).toBe('/usr/local/bin/node');
    expect(inputs.node.size).toBeGreaterThan(1_000_000);
    if (process.platform === 'linux') {
      expect(inputs.libs.some((l) => /ld-(linux|musl)/.test(l.path))).toBe(true);
      expect(inputs.libs.some((l) => /libc\.so|musl/.test(l.path))).toBe(true);
    }
    if (existsSync('/bin/busybox')) {
      expect(inputs.busybox?.path).toBe('/bin/busybox');
      expect(inputs.applets).toContain('sh');
    }
  });

  it('has a stable identity', async () => {
    const a = await localBaseIdentity();
    const b = await localBaseIdentity();
    expect(a).toEqual(b);
    expect(a.hash8).toMatch(/^[0-9a-f]{8}$/);
    expect(a.version).toBe(process.version.slice(1));
    expect((await localBaseIdentity({ busyboxPath: null })).hash8).not.toBe(existsSync('/bin/busybox') ? a.hash8 : '');
  });
});
