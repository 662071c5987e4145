import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import type { LabReporter } from '../lab/run-lab.js';
import { gradescopeResults } from '../report/gradescope-results.js';
import { gradeReport } from '../report/grade-report.js';
import { junitXml } from '../report/junit-xml.js';
import { summaryCsv, summaryMarkdown } from '../report/class-summary.js';
import { gradeSubmission, type GradeOptions, type SubmissionGrade } from './grade-submission.js';
import { SHARD_MANIFEST, shardOf, type Shard, type ShardManifest } from './shard.js';

/** Write a file whole or not at all: a crash never leaves half a results.json. */
function writeAtomic(path: string, text: string): void {
  writeFileSync(`${path}.tmp`, text);
  renameSync(`${path}.tmp`, path);
}

/**
 * Where one submission's grade goes: `--out` joined with the folder's own name, after
 * resolving, so `x/sub/..` is x and never a way out of --out.
 */
export function submissionOutDir(outRoot: string, submissionDir: string): { name: string; outDir: string } {
  const name = basename(resolve(submissionDir));
  return { name, outDir: join(outRoot, name) };
}

/** Grade one submission and write its folder: results.json (Gradescope), junit.xml, report.md, grade.json. */
export async function gradeInto(opts: Omit<GradeOptions, 'outDir'> & { outRoot: string }): Promise<SubmissionGrade> {
  const { name, outDir } = submissionOutDir(opts.outRoot, opts.submissionDir);
  mkdirSync(outDir, { recursive: true });
  const g = await gradeSubmission({ ...opts, outDir });
  writeAtomic(join(outDir, 'report.md'), gradeReport(g) + wireSection(g, outDir));
  writeAtomic(
    join(outDir, 'junit.xml'),
    junitXml(`${opts.plan.name}.${name}`, g.scenarios.map((s) => ({ ...s, name: g.roles.length > 1 ? `${s.role}: ${s.name}` : s.name }))),
  );
  writeAtomic(join(outDir, 'grade.json'), JSON.stringify(g, null, 2) + '\n');
  if (g.interrupted) return g; // no results.json: an interrupted submission is graded again next time
  writeAtomic(join(outDir, 'results.json'), JSON.stringify(gradescopeResults(g), null, 2) + '\n'); // last: marks it graded
  return g;
}

export interface BatchProgress {
  start(total: number, skipped: number): void;
  done(g: SubmissionGrade, finished: number): void;
  stop(): void;
}

/**
 * Grade every sub-folder, several at once, each in its own lab (own network). Folders
 * already graded are skipped unless forced; one submission's crash is recorded as zero
 * and the batch goes on. Writes summary.csv and summary.md over every graded folder.
 */
export async function gradeBatch(
  opts: Omit<GradeOptions, 'outDir' | 'submissionDir' | 'reporter'> & { submissionsDir: string; outRoot: string; jobs: number; force: boolean; progress: BatchProgress; reporter: () => LabReporter; shard?: Shard },
): Promise<SubmissionGrade[]> {
  const all = readdirSync(opts.submissionsDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && !d.name.startsWith('.'))
    .map((d) => d.name)
    .sort();
  // With --shard i/N only this share is graded (and summarised); `lab grade merge` joins the shares.
  const mine = opts.shard ? shardOf(all, opts.shard) : all;
  const todo = mine.filter((n) => opts.force || !existsSync(join(opts.outRoot, n, 'results.json')));
  opts.progress.start(todo.length, mine.length - todo.length);
  let next = 0;
  let finished = 0;
  const worker = async () => {
    while (next < todo.length && !opts.signal.aborted) {
      const name = todo[next++];
      let g: SubmissionGrade;
      try {
        g = await gradeInto({ ...opts, submissionDir: join(opts.submissionsDir, name), reporter: opts.reporter() });
      } catch (e) {
        if (opts.signal.aborted) break;
        g = { submission: name, dir: join(opts.submissionsDir, name), roles: opts.roles, score: 0, max: 0, ms: 0, scenarios: [], runs: [{ role: opts.roles[0], error: `grading crashed: ${(e as Error).message}` }] };
        mkdirSync(join(opts.outRoot, name), { recursive: true });
        writeAtomic(join(opts.outRoot, name, 'grade.json'), JSON.stringify(g, null, 2) + '\n');
      }
      opts.progress.done(g, ++finished);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.jobs, todo.length)) }, worker));
  opts.progress.stop();
  const grades = mine
    .map((n) => join(opts.outRoot, n, 'grade.json'))
    .filter((p) => existsSync(p))
    .map((p) => JSON.parse(readFileSync(p, 'utf8')) as SubmissionGrade);
  writeAtomic(join(opts.outRoot, 'summary.csv'), summaryCsv(grades));
  writeAtomic(join(opts.outRoot, 'summary.md'), summaryMarkdown(grades));
  if (opts.shard && !opts.signal.aborted) {
    const manifest: ShardManifest = { shard: opts.shard, class: all, assigned: mine, topology: opts.plan.file, finishedAt: new Date().toISOString() };
    writeAtomic(join(opts.outRoot, SHARD_MANIFEST), JSON.stringify(manifest, null, 2) + '\n');
  }
  return grades;
}

/**
 * The sequence diagrams of each run (runs/<run>/sequence.md, from its capture.pcap), for
 * report.md: a student sees what crossed the wire, scenario by scenario.
 */
function wireSection(g: SubmissionGrade, outDir: string): string {
  const parts: string[] = [];
  for (const r of g.runs) {
    if (!r.runDir) continue;
    const file = join(r.runDir, 'sequence.md');
    if (!existsSync(file)) continue;
    const body = readFileSync(file, 'utf8').split('\n').slice(1).join('\n').replace(/^## /gm, '### ').trim();
    parts.push(`## On the wire (${r.role}; ${relative(outDir, r.runDir)}/capture.pcap)`, '', body.replace(/\]\((sequence-\d+\.svg)\)/g, `](${relative(outDir, r.runDir)}/$1)`), '');
  }
  return parts.length ? `\n${parts.join('\n')}\n` : '';
}
