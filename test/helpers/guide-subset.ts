import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import YAML from 'yaml';

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
