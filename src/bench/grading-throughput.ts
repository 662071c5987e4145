/**
 * Grading throughput on this machine: a batch of 20 BlueTrace submissions (the first 20
 * well-behaved fixtures by name, padded with copies of the correct one) graded at the default --jobs, as
 * submissions per minute; one submission's time split into image, start, scenarios and
 * tear-down; and whether the ten copies of one submission all got the same score. Then the
 * same batch with each submission's scenarios in SCENARIO_LABS labs at once, as a ratio.
 */
import { cpSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dockerClient, pingDocker } from '../runtime/docker/docker-client.js';
import { benchSignal } from './bench-signal.js';
import { gradeBluetraceClass, materializeBluetrace } from './grade-bluetrace-class.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The fixtures that attack the sandbox (test/fixtures/submissions/bluetrace/README.md). */
const HOSTILE = ['fork-bomb', 'endless-output', 'never-exits', 'c-hostile'];
/** `--scenario-labs` for the second batch: past the cores, each lab still waits on its programs' prompts and sleeps. */
const SCENARIO_LABS = 3;

export default async function bench(): Promise<{ title: string; lines: string[] }> {
  if (!(await pingDocker(dockerClient()))) return { title: 'grading throughput', lines: ['skipped: grading needs a Docker engine (sandbox)'] };
  const batch = mkdtempSync(join(tmpdir(), 'netlab-bench-class-'));
  await materializeBluetrace(root, batch);
  // A class of 20 as a course hands in: the hostile fixtures out (they only cost their
  // limits), then the first of the rest by name, padded with copies of the correct one.
  for (const h of HOSTILE) rmSync(join(batch, h), { recursive: true, force: true });
  renameSync(join(batch, 'correct'), join(batch, 'correct-01'));
  for (const extra of readdirSync(batch).sort().slice(20)) rmSync(join(batch, extra), { recursive: true, force: true });
  for (let i = 2; readdirSync(batch).length < 20; i++) cpSync(join(batch, 'correct-01'), join(batch, `correct-${String(i).padStart(2, '0')}`), { recursive: true });
  const { grades, minutes, jobs } = await gradeBluetraceClass(root, batch);
  const copies = grades.filter((g) => g.submission.startsWith('correct-'));
  const scores = [...new Set(copies.map((g) => g.score))];
  const one = copies[0]?.runs[0]?.phases ?? {};
  const s = (k: string) => `${((one[k] ?? 0) / 1000).toFixed(1)}s`;
  const same = (a: typeof grades, b: typeof grades): string[] => {
    const by = new Map(a.map((g) => [g.submission, g.score]));
    return b.filter((g) => by.get(g.submission) !== g.score).map((g) => `${g.submission} ${by.get(g.submission)} -> ${g.score}`);
  };
  const par = benchSignal.aborted ? undefined : await gradeBluetraceClass(root, batch, SCENARIO_LABS);
  const differ = par ? same(grades, par.grades) : [];
  return {
    title: `grading: a batch of ${grades.length} BlueTrace submissions, --jobs ${jobs}, docker`,
    lines: [
      `${(grades.length / minutes).toFixed(1)} submissions graded per minute (${(minutes * 60).toFixed(0)}s for the batch)`,
      `one submission: image ${s('build')}, start ${s('start')} (create ${s('create')}), scenarios ${s('scenarios')}, collect ${s('collect')}, tear-down ${s('teardown')}`,
      `${copies.length} copies of one submission scored ${scores.join(', ')} (${scores.length === 1 ? 'the same every time' : 'NOT the same'})`,
      ...(par
        ? [
            `--scenario-labs ${SCENARIO_LABS}: ${(par.grades.length / par.minutes).toFixed(1)} per minute (${(par.minutes * 60).toFixed(0)}s), ${(minutes / par.minutes).toFixed(2)}x the throughput of one lab per submission`,
            differ.length === 0 ? `  every submission got the same score as with one lab` : `  scores NOT the same: ${differ.join(', ')}`,
          ]
        : []),
    ],
  };
}
