// What the grading base is made of (suite, variant, packages, what is left out) and its
// identity hash: the one description debootstrap, the cache and the packer all follow.
import { createHash } from 'node:crypto';
import { ImageError } from './image-error.js';

/** Bumped when the debootstrap invocation or the way the tree is packed changes. */
export const GRADING_BASE_LAYOUT_VERSION = 1;
export const DEBIAN_SUITE = 'bookworm';
const DEBOOTSTRAP_VARIANT = 'minbase';
export const ROOTFS_MARKER = '.netlab-rootfs-complete.json';

/**
 * Packages on top of minbase (debootstrap adds their Depends). Sorted; part of the base hash.
 * - python3: always; openjdk-17-jdk-headless: javac/java (bookworm's default-jdk is 17, named
 *   explicitly so the JDK cannot change under a fixed hash); gcc, libc6-dev, make: C.
 * - libstdc++6: the host's node binary links against it (it is copied in by grading-image.ts).
 * - procps: ps/kill/pkill for scenarios and diagnostics; busybox-static: nc, ping, ip etc. as
 *   `busybox <applet>` (no applet links: they would shadow the real tools).
 * - postgresql: Debian's PostgreSQL 15 server, for a database node (the `database` image
 *   alias is this image; `tacw-db` runs it) and for students whose assignment has one.
 * - libfaketime: the movable wall clock of the clock: step (docs/grading.md, "Timers"); the
 *   docker runtime mounts the host's copy, this one is for images used without the lab.
 * - python3-numpy, python3-pandas: what a course machine has (issue 9); in the same change
 *   as libfaketime so the base is rebuilt once.
 */
export const GRADING_PACKAGES: readonly string[] = [
  'busybox-static',
  'gcc',
  'libc6-dev',
  'libfaketime',
  'libstdc++6',
  'make',
  'openjdk-17-jdk-headless',
  'postgresql',
  'procps',
  'python3',
  'python3-numpy',
  'python3-pandas',
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
  // the cluster postgresql's install makes: tacw-db and students make their own
  'var/lib/postgresql',
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

/** A failure making or reading the grading root file system (an ImageError). */
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

/** A Debian package name (policy manual 5.6.1): what grading.packages may list. */
const DEBIAN_PACKAGE_NAME = /^[a-z0-9][a-z0-9+.-]+$/;

/**
 * The base, with a topology's extra Debian packages (grading.packages) when it names some:
 * a variant with its own hash, so its debootstrap tree and image are cached apart.
 */
export function gradingBaseSpec(arch: string = debianArch(), extra: readonly string[] = []): BaseSpec {
  const bad = extra.find((p) => !DEBIAN_PACKAGE_NAME.test(p));
  if (bad !== undefined) throw new RootfsError(`not a Debian package name: ${JSON.stringify(bad)}`);
  return {
    suite: DEBIAN_SUITE,
    variant: DEBOOTSTRAP_VARIANT,
    arch,
    packages: [...new Set([...GRADING_PACKAGES, ...extra])].sort(),
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

