import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import YAML from 'yaml';
import { expect } from 'vitest';
import { runLabCli } from './lab-cli.js';

/**
 * A grading topology cut down to some of its scenarios, written beside it (so its course
 * files, `from:` paths, are found as they are) under a name of this process; `remove` takes
 * it away. For fixtures that each break one scenario: graded on the scenarios that matter
 * to them, while the correct submission is graded on the whole guide.
 */
export function guideSubset(topology: string, keep: (name: string) => boolean, opts: { noRetry?: boolean } = {}): { file: string; names: string[]; points: number; remove: () => void } {
  const guide = YAML.parse(readFileSync(topology, 'utf8'));
  guide.scenarios = guide.scenarios.filter((s: { name: string }) => keep(s.name));
  // noRetry: a fixture known to break a scenario by never answering is not graded again on a
  // fresh lab (the retry of timeouts has its own test, test/grade-retry.test.ts).
  if (opts.noRetry) guide.grading = { ...guide.grading, retry_timeouts: 0 };
  const file = join(dirname(topology), `.${basename(topology, '.yaml')}-subset-${process.pid}.yaml`);
  writeFileSync(file, YAML.stringify(guide));
  return {
    file,
    names: guide.scenarios.map((s: { name: string }) => s.name),
    points: guide.scenarios.reduce((t: number, s: { points?: number }) => t + (s.points ?? 0), 0),
    remove: () => rmSync(file, { force: true }),
  };
}

/**
 * Grade `full` (submission folder names under `submissions`) on the whole topology and
 * `variants` on the subset, each as one batch (--jobs 2, docker, the two at once); returns each one's
 * results.json (Gradescope form), by name.
 */
export async function gradeWholeAndSubset(submissions: string, topology: string, subsetFile: string, full: string[], variants: string[]): Promise<Record<string, { score: number; tests: { name: string; score: number; max_score: number; status?: string }[] }>> {
  const split = mkdtempSync(join(tmpdir(), 'netlab-grade-split-'));
  const out = mkdtempSync(join(tmpdir(), 'netlab-grade-split-out-'));
  const parts = [
    { dir: 'full', topology, names: full },
    { dir: 'variants', topology: subsetFile, names: variants },
  ];
  const results: Record<string, { score: number; tests: { name: string; score: number; max_score: number; status?: string }[] }> = {};
  // The two batches at once (each --jobs 2): the whole guide's few long gradings beside the
  // subset's short ones, so neither waits for the other to finish.
  await Promise.all(
    parts.map(async (p) => {
      for (const n of p.names) cpSync(join(submissions, n), join(split, p.dir, n), { recursive: true });
      const run = await runLabCli(['grade', p.topology, '--submissions', join(split, p.dir), '--out', join(out, p.dir), '--jobs', '2', '--runtime', 'docker']);
      expect(run.code, run.stderr.slice(-2000) + readFileSync(join(out, p.dir, 'summary.md'), 'utf8')).toBe(0);
      for (const n of p.names) results[n] = JSON.parse(readFileSync(join(out, p.dir, n, 'results.json'), 'utf8'));
    }),
  );
  return results;
}
