import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { GradedScenario, SubmissionGrade } from '../model/grade-results.js';

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

/** The lines the lab typed into a node, from its transcript (the ">>>" lines), last first cut to n. */
function typedInto(runDir: string | undefined, node: string | undefined, n = 8): string[] {
  if (!runDir || !node) return [];
  try {
    return readFileSync(join(runDir, 'nodes', node, 'transcript.log'), 'utf8')
      .split('\n')
      .filter((l) => l.includes(' >>> '))
      .map((l) => l.slice(l.indexOf(' >>> ') + 5))
      .slice(-n);
  } catch {
    return [];
  }
}

const fence = (s: string) => '```\n' + s.replace(/```/g, "'''").trimEnd() + '\n```';

/**
 * report.md: what a student reads. Each scenario with its points; for a failure, what was
 * typed, what was expected, what came back, and why it failed.
 */
export function gradeReport(g: SubmissionGrade): string {
  const out: string[] = [];
  out.push(`# ${g.submission}: ${g.score} / ${g.max}`, '');
  out.push(`Graded by netlab as ${g.roles.join(' and ')}${g.language ? ` (${g.language})` : ''} in ${(g.ms / 1000).toFixed(0)} s.`, '');
  if (g.notes?.length) out.push(`**Loopback:** ${g.notes.join('; ')}.`, '');
  for (const r of g.runs) if (r.error) out.push(`**${r.role}: the lab could not run:** ${r.error}${r.diagnosis ? `\n\n**Diagnosis:** ${r.diagnosis}` : ''}`, '');
  out.push('| scenario | as | points | result |', '|---|---|---|---|');
  for (const s of g.scenarios) out.push(`| ${s.name} | ${s.role} | ${s.points} / ${s.maxPoints} | ${s.status === 'passed' ? 'passed' : '**failed**'} |`);
  out.push('');
  for (const s of g.scenarios.filter((x) => x.failure)) {
    const f = s.failure!;
    const run = g.runs.find((r) => r.role === s.role);
    out.push(`## ${s.name} (${s.role}): 0 / ${s.maxPoints}`, '');
    out.push(`**Why:** ${f.message}`, '');
    if (f.diagnosis) out.push(`**Diagnosis:** ${f.diagnosis}`, '');
    out.push(`**Expected:** step ${f.step}, ${f.description}`, '');
    const typed = typedInto(run?.runDir, f.node);
    if (typed.length) out.push(`**Typed into ${f.node}** (last lines):`, '', fence(typed.join('\n')), '');
    if (f.tail) out.push(`**What ${f.node ?? 'the node'} printed last:**`, '', fence(f.tail), '');
    if (f.stepsLeft.length) out.push(`Steps not run: ${f.stepsLeft.length}.`, '');
  }
  if (g.runs.some((r) => r.runDir)) out.push('---', '', `Full transcripts: ${g.runs.filter((r) => r.runDir).map((r) => `${r.role}: \`${r.runDir}\``).join(', ')}`, '');
  return out.join('\n');
}
