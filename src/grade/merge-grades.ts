import { NetlabError } from '../model/netlab-error.js';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { summaryCsv, summaryMarkdown } from '../report/class-summary.js';
import type { SubmissionGrade } from './grade-submission.js';
import { SHARD_MANIFEST, type ShardManifest } from './shard.js';

export class MergeError extends NetlabError {}

export interface MergeResult {
  grades: SubmissionGrade[];
  /** Submissions a shard was assigned (or the class holds) that no shard output has. */
  missing: string[];
  /** Shards (i/N) whose manifest is absent: they never finished. */
  shardsMissing: string[];
  outDir: string;
}

function writeAtomic(path: string, text: string): void {
  writeFileSync(`${path}.tmp`, text);
  renameSync(`${path}.tmp`, path);
}

/**
 * Build one class result from shard outputs: every submission folder is copied into
 * outDir as a plain batch would have written it, then the summary over all of them.
 * The same submission graded by two shards is refused (the shares overlapped, or a
 * folder was given twice); submissions the manifests name but no output holds are
 * reported as missing, so a lost task is never a silently shorter class.
 */
export function mergeGrades(dirs: string[], outDir: string): MergeResult {
  if (dirs.length === 0) throw new MergeError('give at least one shard output folder');
  const out = resolve(outDir);
  const where = new Map<string, string>();
  const manifests: ShardManifest[] = [];
  for (const d of dirs.map((x) => resolve(x))) {
    if (!existsSync(d)) throw new MergeError(`${d}: no such folder`);
    if (d === out) throw new MergeError(`${d} is both a shard output and --out`);
    const mf = join(d, SHARD_MANIFEST);
    if (existsSync(mf)) manifests.push(JSON.parse(readFileSync(mf, 'utf8')) as ShardManifest);
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (!e.isDirectory() || !existsSync(join(d, e.name, 'grade.json'))) continue;
      const other = where.get(e.name);
      if (other) throw new MergeError(`submission "${e.name}" was graded twice: in ${other} and in ${d}`);
      where.set(e.name, d);
    }
  }
  const counts = new Set(manifests.map((m) => m.shard.count));
  if (counts.size > 1) throw new MergeError(`the shard outputs come from different splits (N = ${[...counts].join(', ')})`);
  const seen = new Set(manifests.map((m) => m.shard.index));
  if (seen.size < manifests.length) throw new MergeError('the same shard appears twice among the folders');
  const n = [...counts][0];
  const shardsMissing = n ? Array.from({ length: n }, (_, i) => i + 1).filter((i) => !seen.has(i)).map((i) => `${i}/${n}`) : [];
  const expected = new Set(manifests.flatMap((m) => m.class));
  const missing = [...expected].filter((s) => !where.has(s)).sort();

  mkdirSync(out, { recursive: true });
  const grades: SubmissionGrade[] = [];
  for (const name of [...where.keys()].sort()) {
    const src = join(where.get(name)!, name);
    cpSync(src, join(out, name), { recursive: true, force: true, preserveTimestamps: true });
    grades.push(JSON.parse(readFileSync(join(src, 'grade.json'), 'utf8')) as SubmissionGrade);
  }
  writeAtomic(join(out, 'summary.csv'), summaryCsv(grades));
  writeAtomic(join(out, 'summary.md'), summaryMarkdown(grades) + (missing.length ? `\n**Not graded (missing from every shard):** ${missing.join(', ')}\n` : ''));
  writeAtomic(join(out, 'gradescope.json'), JSON.stringify(gradescopeExport(out, grades), null, 2) + '\n');
  return { grades, missing, shardsMissing, outDir: out };
}

/** Each student's Gradescope results.json in one file, keyed by submission folder name. */
function gradescopeExport(out: string, grades: SubmissionGrade[]): Record<string, unknown> {
  const all: Record<string, unknown> = {};
  for (const g of grades) {
    const p = join(out, g.submission, 'results.json');
    if (existsSync(p)) all[g.submission] = JSON.parse(readFileSync(p, 'utf8'));
  }
  return all;
}
