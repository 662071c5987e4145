import { readFileSync } from 'node:fs';
import type { GradedScenario, SubmissionGrade } from '../model/grade-results.js';
import { MARK, TRANSCRIPT_LINE } from './transcript.js';
import { fenced, inline } from '../model/visible-text.js';
import { nodeFiles } from '../model/run-paths.js';
import { crashHeading, shownCrashes } from './crash-heading.js';

/** A failure as a few plain lines: where, why, what the node printed last. */
export function failureText(s: GradedScenario): string {
  const f = s.failure!;
  return [
    `failed at step ${f.step} (${f.description}): ${f.message}`,
    f.diagnosis ? `diagnosis: ${f.diagnosis}` : '',
    f.tail ? `last output of ${f.node ?? 'the node'}:\n${f.tail}` : '',
  ]
    .filter(Boolean)
    .join('\n');
}

/** The lines the lab typed into a node, from its transcript (the `in >|` lines, which no program can print), the last n. */
function typedInto(runDir: string | undefined, node: string | undefined, n = 8): string[] {
  if (!runDir || !node) return [];
  try {
    return readFileSync(nodeFiles.transcript(runDir, node), 'utf8')
      .split('\n')
      .map((l) => TRANSCRIPT_LINE.exec(l))
      .filter((m): m is RegExpExecArray => m !== null && m[1] === MARK.typed)
      .map((m) => m[2])
      .slice(-n);
  } catch {
    return [];
  }
}


/**
 * report.md: what a student reads. Each scenario with its points; for a failure, what was
 * typed, what was expected, what came back, and why it failed.
 */
export function gradeReport(g: SubmissionGrade): string {
  const out: string[] = [];
  out.push(`# ${inline(g.submission)}: ${g.score} / ${g.max}`, '');
  if (g.interrupted) out.push('**Interrupted (Ctrl-C): these scores are partial; the submission will be graded again.**', '');
  out.push(`Graded by netlab as ${g.roles.join(' and ')}${g.language ? ` (${g.language})` : ''} in ${(g.ms / 1000).toFixed(0)} s.`, '');
  if (g.unsandboxed) out.push('**Unsandboxed:** graded with `--unsafe-local`, as processes on the grading machine, without the sandbox (no limits of its own, no network of its own).', '');
  if (g.notes?.length) out.push(`**Loopback:** ${g.notes.join('; ')}.`, '');
  if (g.reruns?.length) out.push('**Run again:**', '', fenced(g.reruns.join('\n')), '');
  const said = new Set<string>();
  for (const r of g.runs) {
    // Several labs of one role (--scenario-labs) that failed alike are said once.
    if (!r.error || said.has(`${r.role}\n${r.error}`)) continue;
    said.add(`${r.role}\n${r.error}`);
    out.push(`**${r.role}: the lab could not run:**`, '', fenced(r.error), ...(r.diagnosis ? ['', '**Diagnosis:**', '', fenced(r.diagnosis)] : []), '');
    if (r.tail) out.push(`**What ${r.node ?? 'the node'} printed last:**`, '', fenced(r.tail), '');
  }
  if (g.skipped?.length) out.push('**Not copied into the sandbox:**', '', fenced(g.skipped.join('\n')), '');
  out.push('| scenario | as | points | result |', '|---|---|---|---|');
  for (const s of g.scenarios) out.push(`| ${inline(s.name)} | ${s.role} | ${s.points} / ${s.maxPoints} | ${s.status === 'passed' ? 'passed' : '**failed**'} |`);
  out.push('');
  for (const s of g.scenarios.filter((x) => x.retried)) {
    out.push(`*${inline(s.name)} (${s.role}) was graded again on a fresh lab after its first attempt timed out${s.status === 'passed' ? ', and passed' : ''}:*`, '', fenced(s.retried!.firstFailure), '');
  }
  for (const s of g.scenarios.filter((x) => x.status === 'passed' && shownCrashes(x).length)) {
    out.push(`*${inline(s.name)} (${s.role}) passed, but:*`, '');
    for (const c of shownCrashes(s)) out.push(`${inline(crashHeading(c))}:`, '', fenced(c.stderr ?? ''), '');
  }
  for (const s of g.scenarios.filter((x) => x.failure)) {
    const f = s.failure!;
    const run = g.runs.find((r) => r.role === s.role && (!s.runDir || r.runDir === s.runDir) && (!f.wholeRun || r.error));
    out.push(`## ${inline(s.name)} (${s.role}): 0 / ${s.maxPoints}`, '');
    if (f.notRun) {
      out.push('**Not run:**', '', fenced(f.message), '');
      continue;
    }
    if (f.wholeRun && run?.error) {
      out.push(`**Not run:** the lab could not run for ${s.role} (why, at the top).`, '');
      continue;
    }
    // Messages quote what programs printed or wrote: always inside a fence they cannot close.
    out.push('**Why:**', '', fenced(f.message), '');
    for (const c of shownCrashes(s)) out.push(`**${inline(crashHeading(c))}${c.stderr ? ':' : '.'}**`, '', ...(c.stderr ? [fenced(c.stderr), ''] : []));
    if (f.diagnosis) out.push('**Diagnosis:**', '', fenced(f.diagnosis), '');
    out.push(`**Expected:** step ${f.step}, ${inline(f.description)}`, '');
    const typed = typedInto(s.runDir ?? run?.runDir, f.node);
    if (typed.length) out.push(`**Typed into ${f.node}** (last lines):`, '', fenced(typed.join('\n')), '');
    if (f.tail) out.push(`**What ${f.node ?? 'the node'} printed last:**`, '', fenced(f.tail), '');
    if (f.stepsLeft.length) out.push(`Steps not run: ${f.stepsLeft.length}.`, '');
  }
  if (g.runs.some((r) => r.runDir)) out.push('---', '', `Full transcripts: ${g.runs.filter((r) => r.runDir).map((r) => `${r.role}: \`${r.runDir}\``).join(', ')}`, '');
  return out.join('\n');
}
