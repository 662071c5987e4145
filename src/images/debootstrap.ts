// Running debootstrap: finding it, its arguments, and turning its chatter into progress lines.
import { constants as fsConstants } from 'node:fs';
import { access } from 'node:fs/promises';
import path from 'node:path';
import type { AptSource } from './apt-sources.js';
import type { BaseSpec } from './grading-base-spec.js';

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

