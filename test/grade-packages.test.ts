// grading.packages end to end (issue 9, item 5): a submission that imports a library the
// standard grading image lacks scores 0 there, with the missing library named in its report,
// and full marks on the variant image a topology's `grading.packages` builds (a debootstrap
// of its own, about a minute, cached in .netlab/cache like the standard one).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { expect, it } from 'vitest';
import YAML from 'yaml';
import { describeDocker, leftovers, runLabCli } from './helpers/lab-cli.js';
import { materializeSubmissions } from './helpers/submissions.js';

const GUIDE = 'topologies/grading/bluetrace.yaml';
/** The guide's two scenarios that matter here: the server starting, and its printing of an upload (where it calls tabulate). */
const KEEP = ['login and logout', 'Upload_contact_log sends the contact log'];

/** The guide cut to KEEP, with these extra packages, written beside it (its course files are found from there). */
function subset(packages: string[] | undefined, tag: string): string {
  const guide = YAML.parse(readFileSync(GUIDE, 'utf8'));
  guide.scenarios = guide.scenarios.filter((s: { name: string }) => KEEP.includes(s.name));
  expect(guide.scenarios.map((s: { name: string }) => s.name)).toEqual(KEEP);
  if (packages) guide.grading.packages = packages;
  const file = join(dirname(GUIDE), `.packages-${tag}-${process.pid}.yaml`);
  writeFileSync(file, YAML.stringify(guide));
  return file;
}

describeDocker('grading.packages (docker)', () => {
  it('a missing library costs the marks on the standard image, says which, and a variant with the package gives them back', async () => {
    const all = mkdtempSync(join(tmpdir(), 'netlab-grade-packages-'));
    materializeSubmissions(all);
    const submission = join(all, 'tabulate-import');
    const plain = subset(undefined, 'plain');
    const variant = subset(['python3-tabulate'], 'variant');
    const outPlain = mkdtempSync(join(tmpdir(), 'netlab-grade-packages-plain-'));
    const outVariant = mkdtempSync(join(tmpdir(), 'netlab-grade-packages-variant-'));
    try {
      const [a, b] = await Promise.all([
        runLabCli(['grade', plain, '--submission', submission, '--runtime', 'docker', '--out', outPlain]),
        runLabCli(['grade', variant, '--submission', submission, '--runtime', 'docker', '--out', outVariant]),
      ]);
      expect(a.code, a.stderr.slice(-2000)).toBe(0);
      expect(b.code, b.stderr.slice(-2000)).toBe(0);
      const plainReport = readFileSync(join(outPlain, 'tabulate-import', 'report.md'), 'utf8');
      expect(JSON.parse(readFileSync(join(outPlain, 'tabulate-import', 'results.json'), 'utf8')).score).toBe(0);
      expect(plainReport).toMatch(/imports tabulate, which the grading image does not have; ask your instructor/);
      // The variant: its own image, built for this package list, and the full 3.5 points.
      expect(b.stderr).toMatch(/grading image with extra Debian packages: python3-tabulate/);
      const graded = JSON.parse(readFileSync(join(outVariant, 'tabulate-import', 'results.json'), 'utf8'));
      expect(graded.score, readFileSync(join(outVariant, 'tabulate-import', 'report.md'), 'utf8')).toBe(3.5);
    } finally {
      rmSync(plain, { force: true });
      rmSync(variant, { force: true });
    }
    expect(await leftovers('bluetrace-grading')).toBe(0);
  }, 1_800_000);
});
