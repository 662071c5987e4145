/**
 * Reproducibility under load (issue 9): one BlueTrace submission (the correct fixture)
 * graded GRADE_SPREAD_N times (default 50) at the default --jobs while the load generator
 * keeps every core busy. The target is zero spread: every grade the same. Also says how
 * many grades needed the timeout retry to get there (the report says so per scenario).
 */
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dockerClient, pingDocker } from '../runtime/docker/docker-client.js';
import { gradeBluetraceClass, materializeBluetrace } from './grade-bluetrace-class.js';
import { cpuLoad } from './cpu-load.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export default async function bench(): Promise<{ title: string; lines: string[] }> {
  if (!(await pingDocker(dockerClient()))) return { title: 'grading spread under load', lines: ['skipped: grading needs a Docker engine (sandbox)'] };
  const n = Number(process.env.GRADE_SPREAD_N ?? 50);
  const one = mkdtempSync(join(tmpdir(), 'netlab-bench-one-'));
  await materializeBluetrace(root, one);
  const batch = mkdtempSync(join(tmpdir(), 'netlab-bench-spread-'));
  for (let i = 1; i <= n; i++) cpSync(join(one, 'correct'), join(batch, `correct-${String(i).padStart(2, '0')}`), { recursive: true });
  const load = await cpuLoad();
  try {
    const { grades, minutes, jobs } = await gradeBluetraceClass(root, batch);
    const byScore = new Map<string, number>();
    for (const g of grades) byScore.set(`${g.score}/${g.max}`, (byScore.get(`${g.score}/${g.max}`) ?? 0) + 1);
    const retried = grades.filter((g) => g.scenarios.some((s) => s.retried)).length;
    const lost = grades.filter((g) => g.score < g.max).flatMap((g) => g.scenarios.filter((s) => s.points < s.maxPoints).map((s) => `${g.submission}: ${s.name}: ${s.failure?.message ?? s.status}`));
    return {
      title: `grading spread: one BlueTrace submission graded ${grades.length} times, --jobs ${jobs}, ${load.cores} busy loops beside it, docker`,
      lines: [
        `scores: ${[...byScore].map(([s, c]) => `${s} x${c}`).join(', ')} (${byScore.size === 1 ? 'zero spread' : 'NOT the same every time'})`,
        `${retried} of ${grades.length} grades had a scenario graded again after a timeout; ${(grades.length / minutes).toFixed(1)} per minute under load (${(minutes * 60).toFixed(0)}s)`,
        ...lost.slice(0, 10).map((l) => `lost: ${l}`),
      ],
    };
  } finally {
    load.stop();
  }
}
