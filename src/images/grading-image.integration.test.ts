// Unit tests for the grading image's pieces (package list and hashes, apt sources, the
// debootstrap cache and its marker, packing), and one integration test that ensures the real
// image on the Docker engine and runs every runtime in it. The integration test skips (with
// the reason) when Docker is unreachable, unless CI is set: then it fails.
//
// The integration test uses the real repositories (netlab/grading, netlab/grading-base) and
// the project's cache, on purpose: the first build takes minutes, and the image it makes is the
// one `lab grade` uses. It removes only the containers it creates, by id.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Docker from 'dockerode';
import { afterAll, describe, expect, it } from 'vitest';
import {
  debianArch,
  debootstrapArgs,
  debootstrapProgress,
  ensureRootfs,
  findDebianMirror,
  GRADING_BASE_LAYOUT_VERSION,
  GRADING_PACKAGES,
  gradingBaseHash,
  gradingBaseSpec,
  mountsUnder,
  parseAptSources,
  pickMirror,
  planRootfs,
  readRootfsMarker,
  removeStalePartials,
  ROOTFS_MARKER,
  rootfsDir,
  writeRootfsMarker,
  type RootfsMarker,
} from './grading-rootfs.js';
import { defaultCacheDir, ensureGradingImage, GradingImageError, gradingDockerfile, gradingTagFor, NODE_CONTEXT_NAME } from './grading-image.js';
import { packLocalBase } from './local-base.js';
import { dockerGate, readTar, runContainer } from './image-test-helpers.js';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const temps: string[] = [];
async function tempDir(): Promise<string> {
  const d = await mkdtemp(path.join(tmpdir(), 'netlab-grading-unit-'));
  temps.push(d);
  return d;
}
afterAll(async () => {
  for (const d of temps) await rm(d, { recursive: true, force: true });
});

describe('grading base: package list and hash', () => {
  it('holds the runtimes, sorted and without duplicates', () => {
    expect([...GRADING_PACKAGES]).toEqual([...new Set(GRADING_PACKAGES)].sort());
    for (const p of ['python3', 'openjdk-17-jdk-headless', 'gcc', 'libc6-dev', 'make', 'procps', 'libstdc++6']) {
      expect(GRADING_PACKAGES).toContain(p);
    }
  });

  it('hashes stably: order and duplicates do not matter, content does', () => {
    const spec = gradingBaseSpec('amd64');
    const h = gradingBaseHash(spec);
    expect(h).toMatch(/^[0-9a-f]{8}$/);
    expect(gradingBaseHash(gradingBaseSpec('amd64'))).toBe(h);
    expect(gradingBaseHash({ ...spec, packages: [...spec.packages].reverse().concat('gcc') })).toBe(h);
    expect(gradingBaseHash({ ...spec, packages: [...spec.packages, 'g++'] })).not.toBe(h);
    expect(gradingBaseHash({ ...spec, layout: spec.layout + 1 })).not.toBe(h);
    expect(gradingBaseHash({ ...spec, arch: 'arm64' })).not.toBe(h);
    expect(gradingBaseHash({ ...spec, suite: 'trixie' })).not.toBe(h);
    // Pinned: changing the package list or the layout must be deliberate (bump the layout
    // version when the tree is packed differently, then update this value).
    expect({ layout: GRADING_BASE_LAYOUT_VERSION, hash: h }).toEqual({ layout: 1, hash: '218bf2b8' });
  });

  it('takes extra Debian packages (grading.packages) as a variant with its own hash, and refuses bad names', () => {
    const plain = gradingBaseHash(gradingBaseSpec('amd64'));
    const withScipy = gradingBaseSpec('amd64', ['python3-scipy']);
    expect(withScipy.packages).toContain('python3-scipy');
    expect(gradingBaseHash(withScipy)).not.toBe(plain);
    expect(gradingBaseHash(gradingBaseSpec('amd64', ['python3']))).toBe(plain); // already there
    expect(GRADING_PACKAGES).toEqual(expect.arrayContaining(['libfaketime', 'python3-numpy', 'python3-pandas']));
    expect(() => gradingBaseSpec('amd64', ['scipy; rm -rf /'])).toThrow(/not a Debian package name/);
  });

  it('maps Node architectures to Debian ones', () => {
    expect(debianArch('x64')).toBe('amd64');
    expect(debianArch('arm64')).toBe('arm64');
    expect(() => debianArch('mips')).toThrow(/no Debian architecture/);
  });
});

describe('grading base: the Debian mirror', () => {
  const deb822 = [
    'Types: deb',
    '# http://snapshot.debian.org/archive/debian/20250520T000000Z',
    'URIs: http://deb.debian.org/debian',
    'Suites: bookworm bookworm-updates',
    'Components: main',
    'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg',
    '',
    'Types: deb',
    'URIs: http://deb.debian.org/debian-security',
    'Suites: bookworm-security',
    'Components: main',
    '',
    'Types: deb-src',
    'URIs: http://src.example/debian',
    'Suites: bookworm',
    'Components: main',
    '',
  ].join('\n');

  it('parses deb822 sources and picks the suite\'s main archive', () => {
    const s = parseAptSources('/etc/apt/sources.list.d/debian.sources', deb822);
    expect(s.map((x) => x.uri)).toEqual(['http://deb.debian.org/debian', 'http://deb.debian.org/debian-security']);
    expect(pickMirror(s, 'bookworm')).toMatchObject({
      uri: 'http://deb.debian.org/debian',
      signedBy: '/usr/share/keyrings/debian-archive-keyring.gpg',
    });
    expect(pickMirror(s, 'trixie')).toBeNull();
  });

  it('parses one-line sources with options and comments', () => {
    const text = [
      '# deb http://commented.example/debian bookworm main',
      'deb-src http://src.example/debian bookworm main',
      'deb [arch=amd64 signed-by=/k.gpg] http://mirror.example/debian bookworm main contrib # trailing',
      'deb http://mirror.example/debian-security bookworm-security main',
    ].join('\n');
    const s = parseAptSources('/etc/apt/sources.list', text);
    expect(s).toHaveLength(2);
    expect(pickMirror(s)).toMatchObject({ uri: 'http://mirror.example/debian', signedBy: '/k.gpg', components: ['main', 'contrib'] });
  });

  it('reads apt\'s files like apt does (ignoring disabled ones)', async () => {
    const apt = await tempDir();
    await mkdir(path.join(apt, 'sources.list.d'));
    await writeFile(path.join(apt, 'sources.list.d/other.list.disabled-by-farm'), 'deb http://wrong.example/debian bookworm main\n');
    await writeFile(path.join(apt, 'sources.list.d/debian.sources'), deb822);
    expect((await findDebianMirror(apt)).uri).toBe('http://deb.debian.org/debian');
    await expect(findDebianMirror(apt, 'trixie')).rejects.toThrow(/no apt source for "trixie main"/);
  });

  it('passes the mirror, keyring and packages to debootstrap', () => {
    const spec = gradingBaseSpec('amd64');
    const args = debootstrapArgs(spec, '/c/debootstrap-x.partial', { uri: 'http://m/debian', suites: ['bookworm'], components: ['main'], signedBy: '/k.gpg', file: 'f' });
    expect(args).toEqual([
      '--variant=minbase',
      '--arch=amd64',
      `--include=${[...GRADING_PACKAGES].sort().join(',')}`,
      '--components=main',
      '--keyring=/k.gpg',
      'bookworm',
      '/c/debootstrap-x.partial',
      'http://m/debian',
    ]);
  });
});

describe('grading base: the debootstrap cache', () => {
  const spec = gradingBaseSpec('amd64');
  const hash = gradingBaseHash(spec);
  const marker = (h = hash): RootfsMarker => ({ hash: h, spec, mirror: 'http://m/debian', createdAt: '2025-01-01T00:00:00.000Z', seconds: 60 });

  async function fakeTree(dir: string): Promise<void> {
    await mkdir(path.join(dir, 'bin'), { recursive: true });
    await writeFile(path.join(dir, 'bin/sh'), '#!fake\n', { mode: 0o755 });
  }

  it('counts a tree as complete only with its marker, for its hash, with a shell', async () => {
    const cache = await tempDir();
    const dir = rootfsDir(cache, hash);
    expect(dir).toBe(path.join(cache, `debootstrap-${hash}`));
    expect(await readRootfsMarker(dir, hash)).toBeNull(); // no directory
    await fakeTree(dir);
    expect(await readRootfsMarker(dir, hash)).toBeNull(); // no marker: debootstrap did not finish
    await writeFile(path.join(dir, ROOTFS_MARKER), '{"hash":');
    expect(await readRootfsMarker(dir, hash)).toBeNull(); // torn marker
    await writeRootfsMarker(dir, marker('deadbeef'));
    expect(await readRootfsMarker(dir, hash)).toBeNull(); // another package list
    await writeRootfsMarker(dir, marker());
    expect(await readRootfsMarker(dir, hash)).toMatchObject({ hash, mirror: 'http://m/debian' });
    await rm(path.join(dir, 'bin/sh'));
    expect(await readRootfsMarker(dir, hash)).toBeNull(); // damaged tree
  });

  it('reuses a complete tree without running debootstrap', async () => {
    const cache = await tempDir();
    const dir = rootfsDir(cache, hash);
    await fakeTree(dir);
    await writeRootfsMarker(dir, marker());
    const said: string[] = [];
    const r = await ensureRootfs({ cacheDir: cache, spec, say: (m) => said.push(m) });
    expect(r).toMatchObject({ dir, hash, reused: true });
    expect(said.join('\n')).toMatch(/using cached root file system/);
  });

  it('removes partial trees of processes that are gone, keeps live ones', async () => {
    const cache = await tempDir();
    const dead = await new Promise<number>((resolve) => {
      const p = spawn(process.execPath, ['-e', '0']);
      p.on('exit', () => resolve(p.pid!));
    });
    const gone = path.join(cache, `debootstrap-${hash}.partial-${dead}-abc123`);
    const live = path.join(cache, `debootstrap-${hash}.partial-${process.pid}-def456`);
    const other = path.join(cache, `debootstrap-00000000.partial-${dead}-abc123`);
    for (const d of [gone, live, other]) await fakeTree(d);
    const said: string[] = [];
    await removeStalePartials(cache, hash, (m) => said.push(m));
    expect(existsSync(gone)).toBe(false);
    expect(existsSync(live)).toBe(true);
    expect(existsSync(other)).toBe(true);
    expect(said).toHaveLength(1);
  });

  it('finds mount points under a tree, deepest first', async () => {
    const info = [
      '22 1 8:1 / / rw - ext4 /dev/vda rw',
      '90 22 0:5 / /c/debootstrap-x.partial-1-a/proc rw - proc proc rw',
      '91 22 0:6 / /c/debootstrap-x.partial-1-a/dev/null rw - devtmpfs udev rw',
      '92 22 0:7 / /c/debootstrap-x.partial-1-a/sys/fs/x rw - sysfs sys rw',
      '93 22 0:8 / /c/debootstrap-x.partial-1-ab/proc rw - proc proc rw',
      '94 22 0:9 / /c/with\\040space/proc rw - proc proc rw',
    ].join('\n');
    expect(await mountsUnder('/c/debootstrap-x.partial-1-a', info)).toEqual([
      '/c/debootstrap-x.partial-1-a/sys/fs/x',
      '/c/debootstrap-x.partial-1-a/dev/null',
      '/c/debootstrap-x.partial-1-a/proc',
    ]);
    expect(await mountsUnder('/c/with space', info)).toEqual(['/c/with space/proc']);
    expect(await mountsUnder('/elsewhere', info)).toEqual([]);
  });

  it('reports debootstrap phases, and per-package lines at most every few seconds', () => {
    let now = 0;
    const said: string[] = [];
    const feed = debootstrapProgress((m) => said.push(m), 5_000, () => now);
    feed('I: Retrieving InRelease ');
    feed('I: Retrieving adduser 3.134');
    now = 1_000;
    feed('I: Retrieving apt 2.6.1');
    now = 6_000;
    feed('I: Retrieving base-files 12.4');
    feed('I: Unpacking the base system...');
    feed('I: Unpacking adduser...');
    feed('');
    expect(said).toEqual([
      'debootstrap: Retrieving InRelease',
      'debootstrap: Retrieving adduser 3.134 (retrieving #1)',
      'debootstrap: Retrieving base-files 12.4 (retrieving #3)',
      'debootstrap: Unpacking the base system...',
      'debootstrap: Unpacking adduser... (unpacking #1)',
    ]);
  });
});

describe('grading base: packing the tree', () => {
  it('packs files, links and directories as root, without device nodes, caches or setuid bits', async () => {
    const root = await tempDir();
    const mk = async (rel: string, data = 'x', mode = 0o644) => {
      await mkdir(path.dirname(path.join(root, rel)), { recursive: true });
      await writeFile(path.join(root, rel), data);
      await chmod(path.join(root, rel), mode);
    };
    await mk('bin/sh', '#!', 0o755);
    await mk('usr/bin/passwd', 'suid', 0o4755);
    await mk('etc/resolv.conf', 'nameserver 10.0.0.1\n');
    await mk('etc/os-release', 'ID=debian\n');
    await mk('dev/null', 'not a device, but under /dev');
    await mk('var/cache/apt/archives/python3.deb', 'deb');
    await mk('var/lib/apt/lists/x_Packages', 'p');
    await mk('usr/share/man/man1/ls.1.gz', 'man');
    await mk(ROOTFS_MARKER, '{}');
    await mkdir(path.join(root, 'tmp'));
    await chmod(path.join(root, 'tmp'), 0o1777);
    await mk('tmp/leftover', 'l');
    await symlink('usr/lib', path.join(root, 'lib'));
    await mkdir(path.join(root, 'usr/lib'), { recursive: true });

    const entries = await planRootfs(root);
    const paths = entries.map((e) => e.path);
    for (const [i, e] of entries.entries()) {
      const parent = path.posix.dirname(e.path);
      if (parent !== '/') expect(paths.indexOf(parent), `${e.path} after its parent`).toBeLessThan(i);
    }
    for (const p of ['/etc/resolv.conf', '/dev/null', '/var/cache/apt/archives/python3.deb', '/var/lib/apt/lists/x_Packages', '/usr/share/man/man1', `/${ROOTFS_MARKER}`, '/tmp/leftover']) {
      expect(paths).not.toContain(p);
    }
    for (const p of ['/dev', '/tmp', '/var/cache/apt/archives', '/usr/share/man', '/etc/os-release']) expect(paths).toContain(p);

    const items = await readTar(packLocalBase(entries));
    expect(items.get('bin/sh')).toMatchObject({ type: 'file', mode: 0o755 });
    expect(items.get('usr/bin/passwd')).toMatchObject({ type: 'file', mode: 0o755 });
    expect(items.get('tmp/')).toMatchObject({ type: 'directory', mode: 0o1777 });
    expect(items.get('lib')).toMatchObject({ type: 'symlink', linkname: 'usr/lib' });
    expect(items.get('etc/os-release')?.data.toString()).toBe('ID=debian\n');
  });
});

describe('grading image: Dockerfile and tag', () => {
  it('copies the lab exactly as the node image does, plus node and the student user', async () => {
    const df = gradingDockerfile('netlab/grading-base:12345678');
    expect(df).toMatch(/^FROM netlab\/grading-base:12345678$/m);
    expect(df).toMatch(/^LABEL netlab\.image=grading$/m);
    expect(df).toContain(`COPY ${NODE_CONTEXT_NAME} /usr/local/bin/node`);
    expect(df).toMatch(/useradd --uid 1000 .*--home-dir \/home\/student .* student;/);
    const lab = await readFile(path.join(REPO_ROOT, 'Dockerfile'), 'utf8');
    const copies = lab.split('\n').filter((l) => l.startsWith('COPY ') || l.startsWith('WORKDIR '));
    expect(copies.length).toBeGreaterThanOrEqual(4);
    for (const line of copies) expect(df.split('\n')).toContain(line);
  });

  it('tags by base, Dockerfile, context and node', () => {
    const parts = { baseTag: 'b:1', dockerfile: 'FROM b:1', contextHash: 'c', node: 'n' };
    const t = gradingTagFor('netlab/grading', parts);
    expect(t).toMatch(/^netlab\/grading:[0-9a-f]{12}$/);
    expect(gradingTagFor('netlab/grading', { ...parts })).toBe(t);
    for (const k of Object.keys(parts) as Array<keyof typeof parts>) {
      expect(gradingTagFor('netlab/grading', { ...parts, [k]: `${parts[k]}!` })).not.toBe(t);
    }
  });
});

// --- integration ----------------------------------------------------------------------------

const docker = new Docker();

const { requireDocker } = await dockerGate(docker, 'grading image integration test');

const label = `netlab-grading-test-${process.pid}`;

/** Runs one container (no network), removes it by id; files are put into /tmp before start. */
function run(image: string, cmd: string[], opts: { user?: string; files?: Record<string, string> } = {}): Promise<{ code: number; out: string }> {
  return runContainer(docker, image, cmd, { label, ...opts });
}

describe('grading image on the Docker engine', () => {
  it('is built (or reused), reused at once, and runs Python, Java, C, make and node as student', async (ctx) => {
    requireDocker(ctx);
    // A snapshot of the lab's files, so a concurrent `npm run build` cannot change the context
    // between the two calls; the debootstrap cache is the project's own (see the top).
    const project = await tempDir();
    for (const f of ['Dockerfile', 'package.json']) await cp(path.join(REPO_ROOT, f), path.join(project, f));
    for (const d of ['bin', 'dist/apps']) {
      if (existsSync(path.join(REPO_ROOT, d))) await cp(path.join(REPO_ROOT, d), path.join(project, d), { recursive: true });
    }
    const cacheDir = defaultCacheDir(REPO_ROOT);
    const progress: string[] = [];
    const t0 = performance.now();
    const first = await ensureGradingImage(docker, {
      projectRoot: project,
      cacheDir,
      onProgress: (m) => {
        progress.push(m);
        if (!/^(Step|--->|Removing intermediate|Successfully)/.test(m)) console.log(`[grading-image] ${m}`);
      },
    });
    console.log(`ensure: ${first.reused ? 'reused' : 'built'} ${first.tag} in ${first.ms} ms (wall ${Math.round(performance.now() - t0)} ms)`);
    expect(first.tag).toMatch(/^netlab\/grading:[0-9a-f]{12}$/);
    expect(first.base).toMatch(/^netlab\/grading-base:[0-9a-f]{8}$/);

    const t1 = performance.now();
    const again = await ensureGradingImage(docker, { projectRoot: project, cacheDir });
    const wall = Math.round(performance.now() - t1);
    console.log(`reuse: ${again.ms} ms (wall ${wall} ms)`);
    expect(again).toMatchObject({ reused: true, tag: first.tag });

    const info = await docker.getImage(first.tag).inspect();
    expect(info.Config.Labels?.['netlab.image']).toBe('grading');
    expect(info.Config.Env).toContain('PYTHONUNBUFFERED=1');
    expect(info.Config.WorkingDir).toBe('/lab');
    expect((await docker.getImage('netlab/grading:latest').inspect()).Id).toBe(info.Id);
    console.log(`image size: ${Math.round(info.Size / 1e6)} MB`);

    const image = first.tag;
    expect(await run(image, ['python3', '-c', 'print(1+1)'])).toEqual({ code: 0, out: '2' });
    const javac = await run(image, ['javac', '-version']);
    expect(javac.code).toBe(0);
    expect(javac.out).toMatch(/^javac 17\./);
    const gcc = await run(image, ['gcc', '--version']);
    expect(gcc).toMatchObject({ code: 0 });
    expect(gcc.out).toMatch(/^gcc .*Debian/);
    const make = await run(image, ['make', '--version']);
    expect(make.code).toBe(0);
    expect(make.out).toMatch(/^GNU Make/);
    expect(await run(image, ['node', '-e', 'console.log(process.version)'])).toEqual({ code: 0, out: process.version });
    const bt = await run(image, ['bluetrace-server']);
    expect(bt.code).toBe(2); // the reference app runs and prints its usage
    expect(bt.out).toMatch(/Usage: bluetrace-server/);
    expect(await run(image, ['id', '-u'], { user: '1000' })).toEqual({ code: 0, out: '1000' });
    expect(await run(image, ['sh', '-c', 'id -un; echo $HOME; stat -c "%U %a" $HOME /tmp'], { user: 'student' })).toEqual({
      code: 0,
      out: ['student', '/home/student', 'student 755', 'root 1777'].join('\n'),
    });

    const programs = {
      'hello.c': '#include <stdio.h>\nint main(void) { printf("hello from C\\n"); return 0; }\n',
      'Hello.java': 'public class Hello { public static void main(String[] a) { System.out.println("hello from Java"); } }\n',
      Makefile: 'hello: hello.c\n\tgcc -Wall -O2 -o $@ $<\n',
    };
    const built = await run(
      image,
      ['sh', '-c', 'set -e; cd /tmp; make -s hello; ./hello; gcc -o hello2 hello.c && ./hello2; javac Hello.java; java -cp . Hello'],
      { user: '1000', files: programs },
    );
    expect(built).toEqual({ code: 0, out: ['hello from C', 'hello from C', 'hello from Java'].join('\n') });
  }, 900_000);

  it('reports errors as GradingImageError', async () => {
    const err = await ensureGradingImage(docker, { projectRoot: path.join(tmpdir(), 'netlab-no-such-project') }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GradingImageError);
    expect((err as Error).message).toMatch(/build context/);
  });
});
