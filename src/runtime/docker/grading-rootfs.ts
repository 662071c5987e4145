// The grading image's root file system: Debian (bookworm, variant minbase) made with
// debootstrap from the Debian mirror this machine's apt already uses, cached on disk and
// reused. No container registry is involved: grading-image.ts imports the tree through the
// Engine API (packLocalBase streams it) and builds the grading image on top.
//
// Cache layout (cacheDir defaults to <projectRoot>/.netlab/cache):
//   debootstrap-<hash8>/                 the finished tree; complete iff it holds ROOTFS_MARKER
//   debootstrap-<hash8>.partial-<pid>-<r>/  a tree being made; renamed into place when finished
//   debootstrap-<hash8>.failed.log       debootstrap's own log of the last failed attempt
// The marker is written last, then the directory is renamed atomically, so a crash or a
// concurrent run never leaves a half-made tree that looks complete.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import { access, copyFile, lstat, mkdir, readFile, readdir, readlink, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { BaseEntry } from './local-base.js';
import { ImageError } from '../../images/image-error.js';

/** Bumped when the debootstrap invocation or the way the tree is packed changes. */
export const GRADING_BASE_LAYOUT_VERSION = 1;
export const DEBIAN_SUITE = 'bookworm';
export const DEBOOTSTRAP_VARIANT = 'minbase';
export const ROOTFS_MARKER = '.netlab-rootfs-complete.json';

/**
 * Packages on top of minbase (debootstrap adds their Depends). Sorted; part of the base hash.
 * - python3: always; openjdk-17-jdk-headless: javac/java (bookworm's default-jdk is 17, named
 *   explicitly so the JDK cannot change under a fixed hash); gcc, libc6-dev, make: C.
 * - libstdc++6: the host's node binary links against it (it is copied in by grading-image.ts).
 * - procps: ps/kill/pkill for scenarios and diagnostics; busybox-static: nc, ping, ip etc. as
 *   `busybox <applet>` (no applet links: they would shadow the real tools).
 */
export const GRADING_PACKAGES: readonly string[] = [
  'busybox-static',
  'gcc',
  'libc6-dev',
  'libstdc++6',
  'make',
  'openjdk-17-jdk-headless',
  'procps',
  'python3',
];

/** Paths (relative to the tree, POSIX) whose contents are not packed into the image. */
export const EXCLUDED_CONTENTS: readonly string[] = [
  'dev', // the engine provides /dev (debootstrap made device nodes or bind mounts here)
  'proc',
  'sys',
  'run',
  'tmp',
  'var/tmp',
  'var/cache/apt/archives',
  'var/lib/apt/lists',
  'debootstrap',
  // documentation and translations nobody reads in a grading run (about 60 MB)
  'usr/share/man',
  'usr/share/info',
  'usr/share/locale',
];
/** Single files not packed: host-specific, and the engine mounts its own at run time. */
export const EXCLUDED_FILES: readonly string[] = [
  'etc/resolv.conf',
  'etc/hostname',
  'etc/hosts',
  'var/cache/apt/pkgcache.bin',
  'var/cache/apt/srcpkgcache.bin',
  ROOTFS_MARKER,
];

export class RootfsError extends ImageError {}

/** Debian's name for a Node architecture. */
export function debianArch(nodeArch: string = process.arch): string {
  const map: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'armhf', ia32: 'i386', ppc64: 'ppc64el', s390x: 's390x' };
  const a = map[nodeArch];
  if (!a) throw new RootfsError(`no Debian architecture for ${nodeArch}`);
  return a;
}

export interface BaseSpec {
  suite: string;
  variant: string;
  arch: string;
  packages: readonly string[];
  layout: number;
}

export function gradingBaseSpec(arch: string = debianArch()): BaseSpec {
  return {
    suite: DEBIAN_SUITE,
    variant: DEBOOTSTRAP_VARIANT,
    arch,
    packages: [...GRADING_PACKAGES].sort(),
    layout: GRADING_BASE_LAYOUT_VERSION,
  };
}

/** 8 hex digits identifying the base: package list, suite, variant, arch and layout version (not the mirror). */
export function gradingBaseHash(spec: BaseSpec = gradingBaseSpec()): string {
  const canonical = {
    layout: spec.layout,
    suite: spec.suite,
    variant: spec.variant,
    arch: spec.arch,
    packages: [...new Set(spec.packages)].sort(),
  };
  return createHash('sha256').update(`netlab-grading-base\0${JSON.stringify(canonical)}`).digest('hex').slice(0, 8);
}

// --- the mirror -------------------------------------------------------------------------

export interface AptSource {
  uri: string;
  suites: string[];
  components: string[];
  signedBy?: string;
  file: string;
}

/** Parses one-line (.list) and deb822 (.sources) apt source files; only `deb` entries, enabled ones. */
export function parseAptSources(file: string, text: string): AptSource[] {
  const out: AptSource[] = [];
  if (file.endsWith('.sources')) {
    for (const stanza of text.split(/\n\s*\n/)) {
      const fields = new Map<string, string>();
      let last = '';
      for (const raw of stanza.split('\n')) {
        if (/^\s*#/.test(raw) || !raw.trim()) continue;
        if (/^\s/.test(raw) && last) {
          fields.set(last, `${fields.get(last)} ${raw.trim()}`);
          continue;
        }
        const m = /^([A-Za-z-]+):\s*(.*)$/.exec(raw);
        if (!m) continue;
        last = m[1].toLowerCase();
        fields.set(last, m[2].trim());
      }
      const types = (fields.get('types') ?? '').split(/\s+/);
      if (!types.includes('deb')) continue;
      if (/^(no|false)$/i.test(fields.get('enabled') ?? 'yes')) continue;
      const words = (k: string) => (fields.get(k) ?? '').split(/\s+/).filter(Boolean);
      const signedBy = fields.get('signed-by');
      for (const uri of words('uris')) {
        out.push({
          uri,
          suites: words('suites'),
          components: words('components'),
          ...(signedBy && signedBy.startsWith('/') ? { signedBy } : {}),
          file,
        });
      }
    }
    return out;
  }
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*$/, '').trim();
    if (!line.startsWith('deb ') && !line.startsWith('deb\t')) continue;
    let rest = line.slice(3).trim();
    let signedBy: string | undefined;
    const opts = /^\[([^\]]*)\]\s*/.exec(rest);
    if (opts) {
      rest = rest.slice(opts[0].length);
      const sb = /(?:^|\s)signed-by=(\S+)/.exec(opts[1]);
      if (sb && sb[1].startsWith('/')) signedBy = sb[1];
    }
    const [uri, suite, ...components] = rest.split(/\s+/);
    if (!uri || !suite) continue;
    out.push({ uri, suites: [suite], components, ...(signedBy ? { signedBy } : {}), file });
  }
  return out;
}

/** The source apt uses for `suite` main (first match in apt's file order), or null. */
export function pickMirror(sources: readonly AptSource[], suite: string = DEBIAN_SUITE): AptSource | null {
  return (
    sources.find((s) => /^https?:\/\//.test(s.uri) && s.suites.includes(suite) && s.components.includes('main')) ?? null
  );
}

/** Reads /etc/apt/sources.list and sources.list.d/*.{list,sources} (as apt does) and picks the mirror. */
export async function findDebianMirror(aptDir = '/etc/apt', suite: string = DEBIAN_SUITE): Promise<AptSource> {
  const files: string[] = [path.join(aptDir, 'sources.list')];
  try {
    const names = (await readdir(path.join(aptDir, 'sources.list.d'))).filter((n) => /\.(list|sources)$/.test(n)).sort();
    for (const n of names) files.push(path.join(aptDir, 'sources.list.d', n));
  } catch {
    // no sources.list.d
  }
  const all: AptSource[] = [];
  for (const f of files) {
    let text: string;
    try {
      text = await readFile(f, 'utf8');
    } catch {
      continue;
    }
    all.push(...parseAptSources(f, text));
  }
  const picked = pickMirror(all, suite);
  if (!picked) {
    throw new RootfsError(`no apt source for "${suite} main" in ${files.join(', ')}; set NETLAB_DEBIAN_MIRROR to the Debian mirror URL`);
  }
  return picked;
}

// --- the cache and its marker ------------------------------------------------------------

export interface RootfsMarker {
  hash: string;
  spec: BaseSpec;
  mirror: string;
  createdAt: string;
  seconds: number;
}

export function rootfsDir(cacheDir: string, hash8: string): string {
  return path.join(cacheDir, `debootstrap-${hash8}`);
}

/** The marker if `dir` holds a finished tree for `hash8`, else null. */
export async function readRootfsMarker(dir: string, hash8: string): Promise<RootfsMarker | null> {
  try {
    const m = JSON.parse(await readFile(path.join(dir, ROOTFS_MARKER), 'utf8')) as Partial<RootfsMarker>;
    if (!m || m.hash !== hash8 || !m.spec || !Array.isArray(m.spec.packages)) return null;
    // A tree with a marker but without a shell is not one we made (or it was damaged).
    await access(path.join(dir, 'bin/sh'), fsConstants.F_OK);
    return m as RootfsMarker;
  } catch {
    return null;
  }
}

export async function writeRootfsMarker(dir: string, marker: RootfsMarker): Promise<void> {
  const file = path.join(dir, ROOTFS_MARKER);
  const tmp = `${file}.tmp`;
  await writeFile(tmp, JSON.stringify(marker, null, 2) + '\n');
  await rename(tmp, file);
}

/** Mount points at or below `dir` (from /proc/self/mountinfo), deepest first. */
export async function mountsUnder(dir: string, mountinfo?: string): Promise<string[]> {
  let text = mountinfo;
  if (text === undefined) {
    try {
      text = await readFile('/proc/self/mountinfo', 'utf8');
    } catch {
      return [];
    }
  }
  const root = path.resolve(dir);
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const f = line.split(' ');
    if (f.length < 5) continue;
    const mp = f[4].replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
    if (mp === root || mp.startsWith(`${root}/`)) out.push(mp);
  }
  const depth = (p: string) => p.split('/').length;
  return [...new Set(out)].sort((a, b) => depth(b) - depth(a) || b.length - a.length || (a < b ? 1 : -1));
}

/**
 * Removes a (partial) tree. debootstrap mounts /proc and /sys, and inside a container binds
 * /dev nodes, into its target; a recursive delete must never walk into those, so they are
 * unmounted first, and the delete is refused if any remain.
 */
export async function removeTree(dir: string): Promise<void> {
  for (const mp of await mountsUnder(dir)) {
    await run('umount', ['-l', mp]).catch(() => undefined);
  }
  const left = await mountsUnder(dir);
  if (left.length) throw new RootfsError(`not removing ${dir}: still mounted: ${left.join(', ')}`);
  await rm(dir, { recursive: true, force: true });
}

function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: 'ignore' });
    p.on('error', reject);
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} exited with ${code}`))));
  });
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes partial trees for `hash8` left by processes that no longer run. */
export async function removeStalePartials(cacheDir: string, hash8: string, say: (m: string) => void): Promise<void> {
  let names: string[];
  try {
    names = await readdir(cacheDir);
  } catch {
    return;
  }
  const re = new RegExp(`^debootstrap-${hash8}\\.partial-(\\d+)-[0-9a-z]+$`);
  for (const n of names) {
    const m = re.exec(n);
    if (!m || pidAlive(Number(m[1]))) continue;
    say(`removing a partial tree left by process ${m[1]}: ${n}`);
    await removeTree(path.join(cacheDir, n)).catch((e: unknown) => say(`could not remove ${n}: ${(e as Error).message}`));
  }
}

// --- debootstrap -------------------------------------------------------------------------

export async function findDebootstrap(): Promise<string | null> {
  const dirs = ['/usr/sbin', '/sbin', ...(process.env.PATH ?? '').split(':').filter(Boolean)];
  for (const d of dirs) {
    const p = path.join(d, 'debootstrap');
    try {
      await access(p, fsConstants.X_OK);
      return p;
    } catch {
      // next
    }
  }
  return null;
}

export function debootstrapArgs(spec: BaseSpec, target: string, mirror: AptSource): string[] {
  return [
    `--variant=${spec.variant}`,
    `--arch=${spec.arch}`,
    ...(spec.packages.length ? [`--include=${[...spec.packages].sort().join(',')}`] : []),
    '--components=main',
    ...(mirror.signedBy ? [`--keyring=${mirror.signedBy}`] : []),
    spec.suite,
    target,
    mirror.uri,
  ];
}

const PER_PACKAGE = /^I: (Retrieving|Validating|Extracting|Unpacking|Configuring) (?!(?:InRelease|Release|Packages|the)\b)\S/;

/**
 * Turns debootstrap's output into progress lines: phase lines as they come, the per-package
 * lines (hundreds of them) at most one every `everyMs` per verb, with a running count.
 */
export function debootstrapProgress(say: (m: string) => void, everyMs = 5_000, now: () => number = Date.now): (line: string) => void {
  const counts = new Map<string, number>();
  const lastAt = new Map<string, number>();
  return (line: string) => {
    const t = line.trim();
    if (!t) return;
    const m = PER_PACKAGE.exec(t);
    if (!m) {
      say(`debootstrap: ${t.replace(/^I: /, '')}`);
      return;
    }
    const verb = m[1];
    const n = (counts.get(verb) ?? 0) + 1;
    counts.set(verb, n);
    const prev = lastAt.get(verb);
    if (prev === undefined || now() - prev >= everyMs) {
      lastAt.set(verb, now());
      say(`debootstrap: ${t.slice(3)} (${verb.toLowerCase()} #${n})`);
    }
  };
}

export interface EnsureRootfsOptions {
  cacheDir: string;
  spec?: BaseSpec;
  /** Mirror to use; default: the one apt is configured with (or NETLAB_DEBIAN_MIRROR). */
  mirror?: AptSource;
  say?: (m: string) => void;
  signal?: AbortSignal;
}

/** Returns the finished tree for the spec, running debootstrap when it is not cached. */
export async function ensureRootfs(opts: EnsureRootfsOptions): Promise<{ dir: string; hash: string; reused: boolean; marker: RootfsMarker }> {
  const say = opts.say ?? (() => undefined);
  const spec = opts.spec ?? gradingBaseSpec();
  const hash = gradingBaseHash(spec);
  const dir = rootfsDir(opts.cacheDir, hash);
  const have = await readRootfsMarker(dir, hash);
  if (have) {
    say(`using cached root file system ${dir} (made ${have.createdAt})`);
    return { dir, hash, reused: true, marker: have };
  }

  const debootstrap = await findDebootstrap();
  if (!debootstrap) throw new RootfsError('debootstrap is not installed (apt-get install -y debootstrap)');
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    throw new RootfsError(`debootstrap must run as root to make ${dir} (uid ${process.getuid()})`);
  }
  let mirror = opts.mirror;
  if (!mirror) {
    const env = process.env.NETLAB_DEBIAN_MIRROR?.trim();
    mirror = env ? { uri: env, suites: [spec.suite], components: ['main'], file: 'NETLAB_DEBIAN_MIRROR' } : await findDebianMirror('/etc/apt', spec.suite);
  }

  await mkdir(opts.cacheDir, { recursive: true });
  await removeStalePartials(opts.cacheDir, hash, say);
  // An unfinished tree at the final path (no marker: an older crash or a copy) is remade.
  try {
    await lstat(dir);
    say(`${dir} has no completion marker; making it again`);
    await removeTree(dir);
  } catch (err) {
    if (err instanceof RootfsError) throw err;
  }

  const partial = `${dir}.partial-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const args = debootstrapArgs(spec, partial, mirror);
  say(`debootstrap ${spec.suite} (${spec.variant}, ${spec.arch}) from ${mirror.uri} with ${spec.packages.join(' ')}; this takes minutes`);
  const t0 = performance.now();
  const tail: string[] = [];
  const progress = debootstrapProgress(say);
  try {
    await new Promise<void>((resolve, reject) => {
      if (opts.signal?.aborted) return reject(new RootfsError('debootstrap: aborted', { cause: opts.signal.reason }));
      const child = spawn(debootstrap, args, {
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true, // its own process group, so an abort stops dpkg and friends too
        env: {
          ...process.env,
          LC_ALL: 'C',
          DEBIAN_FRONTEND: 'noninteractive',
          PATH: `/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`,
        },
      });
      let aborted = false;
      const onAbort = () => {
        aborted = true;
        try {
          process.kill(-child.pid!, 'SIGTERM');
        } catch {
          // already gone
        }
      };
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      const feed = (stream: NodeJS.ReadableStream) => {
        let buf = '';
        stream.setEncoding('utf8');
        stream.on('data', (chunk: string) => {
          buf += chunk;
          let nl: number;
          while ((nl = buf.indexOf('\n')) >= 0) {
            const line = buf.slice(0, nl);
            buf = buf.slice(nl + 1);
            tail.push(line);
            if (tail.length > 30) tail.shift();
            try {
              progress(line);
            } catch {
              // a faulty listener must not break the build
            }
          }
        });
      };
      feed(child.stdout!);
      feed(child.stderr!);
      child.on('error', (err) => {
        opts.signal?.removeEventListener('abort', onAbort);
        reject(new RootfsError(`debootstrap could not start: ${err.message}`, { cause: err }));
      });
      child.on('close', (code, sig) => {
        opts.signal?.removeEventListener('abort', onAbort);
        if (aborted) return reject(new RootfsError('debootstrap: aborted', { cause: opts.signal?.reason }));
        if (code === 0) return resolve();
        reject(new RootfsError(`debootstrap failed (${sig ?? `exit ${code}`}); last lines:\n${tail.join('\n')}`));
      });
    });
    // The downloaded .debs (about 200 MB) are not packed; do not keep them in the cache either.
    const archives = path.join(partial, 'var/cache/apt/archives');
    for (const n of await readdir(archives).catch(() => [] as string[])) {
      if (n.endsWith('.deb')) await rm(path.join(archives, n), { force: true });
    }
    const seconds = Math.round((performance.now() - t0) / 100) / 10;
    // The marker last: only a tree debootstrap finished carries it.
    const marker: RootfsMarker = { hash, spec, mirror: mirror.uri, createdAt: new Date().toISOString(), seconds };
    await writeRootfsMarker(partial, marker);
    try {
      await rename(partial, dir);
    } catch (err) {
      // A concurrent run finished first: use its tree, drop ours.
      const other = await readRootfsMarker(dir, hash);
      if (!other) throw err;
      await removeTree(partial);
      return { dir, hash, reused: true, marker: other };
    }
    say(`debootstrap finished in ${seconds} s: ${dir}`);
    return { dir, hash, reused: false, marker };
  } catch (err) {
    // Keep debootstrap's own log for diagnosis, then drop the partial tree.
    await copyFile(path.join(partial, 'debootstrap/debootstrap.log'), `${dir}.failed.log`).catch(() => undefined);
    await removeTree(partial).catch((e: unknown) => say(`could not remove ${partial}: ${(e as Error).message}`));
    throw err instanceof RootfsError ? err : new RootfsError(`making ${dir}: ${(err as Error).message}`, { cause: err });
  }
}

// --- packing ------------------------------------------------------------------------------

/**
 * The tree as entries for packLocalBase, parents before children, in name order. Contents of
 * EXCLUDED_CONTENTS and the EXCLUDED_FILES are left out; device nodes, sockets and fifos are
 * skipped. Everything is packed as root:root, and setuid/setgid bits are dropped (submissions
 * run as an unprivileged user; nothing in the image should grant more). Hard links become
 * separate copies.
 */
export async function planRootfs(root: string): Promise<BaseEntry[]> {
  const out: BaseEntry[] = [];
  const excludedContents = new Set(EXCLUDED_CONTENTS);
  const excludedFiles = new Set(EXCLUDED_FILES);
  const walk = async (rel: string): Promise<void> => {
    const names = (await readdir(path.join(root, rel))).sort();
    for (const name of names) {
      const childRel = rel ? `${rel}/${name}` : name;
      if (excludedFiles.has(childRel)) continue;
      const abs = path.join(root, childRel);
      const st = await lstat(abs);
      const imagePath = `/${childRel}`;
      if (st.isDirectory()) {
        out.push({ kind: 'dir', path: imagePath, mode: st.mode & 0o1777 });
        if (!excludedContents.has(childRel)) await walk(childRel);
      } else if (st.isSymbolicLink()) {
        out.push({ kind: 'symlink', path: imagePath, target: await readlink(abs) });
      } else if (st.isFile()) {
        out.push({ kind: 'file', path: imagePath, mode: st.mode & 0o777, source: abs, size: st.size });
      }
      // block/char devices, sockets, fifos: not packed
    }
  };
  await walk('');
  // /tmp and /var/tmp keep their sticky, world-writable mode even though their contents are dropped.
  return out;
}
