// The "local base": a minimal root filesystem assembled from this host's own files, for
// machines that cannot pull an official Node image. It holds the running node binary, the
// shared libraries it links against (at the paths `ldd` reports, so the dynamic loader finds
// them without an ld.so.cache), a static busybox with the usual applet symlinks, and a few
// /etc files. The tarball is streamed (tar-stream), never written to disk, and imported
// through the Engine API by image-builder.ts.
import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { packTree, type TreeEntry } from './tar-packer.js';

const execFileP = promisify(execFile);

/** Bumped when the layout below changes in a way the inputs' identity would not reveal. */
const LOCAL_BASE_LAYOUT_VERSION = 1;

const DEFAULT_BUSYBOX_PATH = '/bin/busybox';

/** Applets linked into /bin (and env also into /usr/bin). */
export const BUSYBOX_APPLETS: readonly string[] = [
  'sh', 'env', 'cat', 'ls', 'cp', 'mv', 'rm', 'mkdir', 'echo', 'sleep', 'nc', 'ps', 'kill',
  'grep', 'sed', 'head', 'tail', 'wc', 'sha256sum', 'md5sum', 'ip', 'ping', 'true', 'false',
  'id', 'whoami', 'hostname', 'date', 'tee', 'touch', 'chmod', 'find', 'xargs', 'printf',
  'test', '[', 'vi', 'less', 'du', 'df', 'ifconfig', 'netstat',
];

export const ETC_PASSWD =
  'root:x:0:0:root:/root:/bin/sh\n' +
  'lab:x:1000:1000:lab:/lab:/bin/sh\n' +
  'nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n';
const ETC_GROUP = 'root:x:0:\nlab:x:1000:\nnogroup:x:65534:\n';
const ETC_NSSWITCH =
  'passwd: files\ngroup: files\nshadow: files\nhosts: files dns\nnetworks: files\n' +
  'protocols: files\nservices: files\n';

/** An entry of the local base (the packer's TreeEntry). */
export type BaseEntry = TreeEntry;

interface HostFile {
  /** Where the file goes in the image (an absolute path). */
  path: string;
  /** The real file on the host (symlinks resolved). */
  source: string;
  size: number;
  mode: number;
}

export interface LocalBaseInputs {
  node: HostFile;
  /** Shared libraries and the dynamic loader, at the paths ldd printed. */
  libs: HostFile[];
  busybox: HostFile | null;
  /** Applets to link to busybox (those it supports, from BUSYBOX_APPLETS). */
  applets: readonly string[];
}

/** Parses `ldd` output into absolute library paths (including the loader); throws on "not found". */
export function parseLdd(output: string): string[] {
  const out: string[] = [];
  const missing: string[] = [];
  for (const raw of output.split('\n')) {
    const line = raw.trim();
    if (!line) continue;
    if (/not a dynamic executable|statically linked/.test(line)) continue;
    const arrow = line.indexOf('=>');
    if (arrow >= 0) {
      const rhs = line.slice(arrow + 2).trim();
      if (rhs.startsWith('not found')) {
        missing.push(line.slice(0, arrow).trim());
        continue;
      }
      const p = rhs.split(/\s+/)[0];
      if (p && p.startsWith('/')) out.push(p);
      continue;
    }
    const p = line.split(/\s+/)[0];
    if (p && p.startsWith('/')) out.push(p); // the loader, e.g. /lib64/ld-linux-x86-64.so.2
    // anything else (linux-vdso.so.1) is provided by the kernel
  }
  if (missing.length) throw new Error(`ldd: libraries not found: ${missing.join(', ')}`);
  return [...new Set(out)];
}

/** Runs ldd on a binary; a static binary yields []. */
async function lddLibraries(binary: string): Promise<string[]> {
  try {
    const { stdout } = await execFileP('ldd', [binary], { timeout: 15_000 });
    return parseLdd(stdout);
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; code?: unknown; message: string };
    const text = `${e.stdout ?? ''}${e.stderr ?? ''}`;
    // glibc's ldd exits 1 for static binaries.
    if (/not a dynamic executable|statically linked/.test(text)) return [];
    throw new Error(`ldd ${binary} failed: ${e.message}`, { cause: err });
  }
}

async function hostFile(imagePath: string, hostPath: string): Promise<HostFile> {
  const source = await realpath(hostPath);
  const st = await stat(source);
  if (!st.isFile()) throw new Error(`${hostPath} is not a regular file`);
  return { path: imagePath, source, size: st.size, mode: st.mode & 0o7777 };
}

async function busyboxApplets(busybox: string): Promise<readonly string[]> {
  try {
    const { stdout } = await execFileP(busybox, ['--list'], { timeout: 10_000 });
    const have = new Set(stdout.split('\n').map((s) => s.trim()).filter(Boolean));
    if (have.size === 0) return BUSYBOX_APPLETS;
    return BUSYBOX_APPLETS.filter((a) => have.has(a));
  } catch {
    return BUSYBOX_APPLETS;
  }
}

export interface GatherOptions {
  nodePath?: string;
  /** null: no busybox even if the host has one. */
  busyboxPath?: string | null;
}

/** Collects the host files for the local base (runs ldd and busybox --list). */
export async function gatherLocalBaseInputs(opts: GatherOptions = {}): Promise<LocalBaseInputs> {
  const nodePath = opts.nodePath ?? process.execPath;
  const node = await hostFile('/usr/local/bin/node', nodePath);
  const libPaths = await lddLibraries(node.source);
  let busybox: HostFile | null = null;
  const bbPath = opts.busyboxPath === undefined ? DEFAULT_BUSYBOX_PATH : opts.busyboxPath;
  if (bbPath) {
    try {
      busybox = await hostFile('/bin/busybox', bbPath);
    } catch {
      busybox = null;
    }
  }
  let applets: readonly string[] = [];
  if (busybox) {
    applets = await busyboxApplets(busybox.source);
    for (const lib of await lddLibraries(busybox.source)) libPaths.push(lib); // usually static
  }
  const libs: HostFile[] = [];
  for (const lib of [...new Set(libPaths)].sort()) libs.push(await hostFile(lib, lib));
  return { node, libs, busybox, applets };
}

function parentsOf(p: string): string[] {
  const out: string[] = [];
  let d = path.posix.dirname(p);
  while (d !== '/' && d !== '.') {
    out.unshift(d);
    d = path.posix.dirname(d);
  }
  return out;
}

/** The full, ordered entry list for the base filesystem (parents always before children). */
export function planLocalBase(inputs: LocalBaseInputs): BaseEntry[] {
  const entries = new Map<string, BaseEntry>();
  const add = (e: BaseEntry) => {
    for (const dir of parentsOf(e.path)) {
      if (!entries.has(dir)) entries.set(dir, { kind: 'dir', path: dir, mode: 0o755 });
    }
    entries.set(e.path, e);
  };
  for (const dir of ['/bin', '/sbin', '/usr/bin', '/usr/sbin', '/usr/local/bin', '/etc', '/root', '/lab', '/home', '/var', '/run', '/proc', '/sys', '/dev']) {
    add({ kind: 'dir', path: dir, mode: dir === '/root' ? 0o700 : 0o755 });
  }
  add({ kind: 'dir', path: '/tmp', mode: 0o1777 });
  add({ kind: 'dir', path: '/var/tmp', mode: 0o1777 });
  add({ kind: 'content', path: '/etc/passwd', mode: 0o644, data: ETC_PASSWD });
  add({ kind: 'content', path: '/etc/group', mode: 0o644, data: ETC_GROUP });
  add({ kind: 'content', path: '/etc/nsswitch.conf', mode: 0o644, data: ETC_NSSWITCH });
  const n = inputs.node;
  add({ kind: 'file', path: n.path, mode: 0o755, source: n.source, size: n.size });
  for (const lib of inputs.libs) {
    // A regular file at the exact path ldd printed: the loader (PT_INTERP) and the default
    // search directories then resolve without symlinks or an ld.so.cache.
    add({ kind: 'file', path: lib.path, mode: lib.mode & 0o777 || 0o755, source: lib.source, size: lib.size });
  }
  if (inputs.busybox) {
    const bb = inputs.busybox;
    add({ kind: 'file', path: bb.path, mode: 0o755, source: bb.source, size: bb.size });
    for (const applet of inputs.applets) {
      const p = `/bin/${applet}`;
      if (p === bb.path) continue;
      add({ kind: 'symlink', path: p, target: 'busybox' });
    }
    if (inputs.applets.includes('env')) add({ kind: 'symlink', path: '/usr/bin/env', target: '/bin/busybox' });
  }
  return [...entries.values()];
}

/** A short identity for the base built from these inputs (cheap: no file contents read). */
export async function localBaseIdentity(opts: GatherOptions = {}): Promise<{ version: string; hash8: string }> {
  const nodePath = await realpath(opts.nodePath ?? process.execPath);
  const ns = await stat(nodePath);
  let bb: unknown = null;
  const bbPath = opts.busyboxPath === undefined ? DEFAULT_BUSYBOX_PATH : opts.busyboxPath;
  if (bbPath) {
    try {
      const real = await realpath(bbPath);
      const bs = await stat(real);
      bb = [real, bs.size, Math.trunc(bs.mtimeMs)];
    } catch {
      bb = null;
    }
  }
  const h = createHash('sha256');
  h.update(
    JSON.stringify({
      layout: LOCAL_BASE_LAYOUT_VERSION,
      node: [nodePath, ns.size, Math.trunc(ns.mtimeMs), process.version, process.arch],
      bb,
      applets: BUSYBOX_APPLETS,
      etc: [ETC_PASSWD, ETC_GROUP, ETC_NSSWITCH],
    }),
  );
  return { version: process.version.replace(/^v/, ''), hash8: h.digest('hex').slice(0, 8) };
}

/** The base as an uncompressed tar stream: the one packer (tar-packer.ts). */
export const packLocalBase = packTree;
