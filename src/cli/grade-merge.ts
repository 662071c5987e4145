import { mergeGrades } from '../grade/merge-grades.js';
import { EXIT, UsageError } from './exit-codes.js';

/** `lab grade merge DIR... --out DIR`: one class result from the outputs of `--shard i/N` runs. */
export function gradeMerge(dirs: string[], o: { out?: string; json?: boolean }): number {
  if (dirs.length === 0) throw new UsageError('lab grade merge needs the shard output folders: lab grade merge grades/part1 grades/part2 --out grades/all');
  if (!o.out) throw new UsageError('lab grade merge needs --out DIR (where the class summary goes)');
  const r = mergeGrades(dirs, o.out);
  process.stderr.write(`${r.grades.length} submissions merged into ${r.outDir} (summary.md, summary.csv, gradescope.json)\n`);
  if (r.shardsMissing.length) process.stderr.write(`shards with no output (never finished?): ${r.shardsMissing.join(', ')}\n`);
  if (r.missing.length) process.stderr.write(`NOT graded by any shard: ${r.missing.join(', ')}\n`);
  if (o.json) process.stdout.write(JSON.stringify(r, null, 2) + '\n');
  return r.missing.length || r.shardsMissing.length ? EXIT.scenarioFailed : EXIT.ok;
}
