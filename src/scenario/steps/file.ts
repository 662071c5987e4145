import { createHash } from 'node:crypto';
import picomatch from 'picomatch';
import { z } from 'zod';
import { durationMs } from '../../topology/duration.js';
import { Duration, stepCommon, stepNode, TemplateString } from '../../topology/step-fields.js';
import { StepError } from '../scenario-errors.js';
import { defineStep, short, type StepContext, type StepNode, who } from './step-kind.js';

const schema = z.strictObject({
  ...stepCommon,
  ...stepNode,
  file: TemplateString.describe("A path (or glob: *, **, ?, [a-z], [!a], {a,b}) in the node's working folder"),
  contains: TemplateString.optional().describe('The file must contain a match of this pattern; named groups become variables'),
  not_contains: TemplateString.optional().describe('The file must not contain a match of this pattern'),
  literal: z.boolean().optional().describe('contains/not_contains are plain text, not regular expressions'),
  exists: z.boolean().optional().describe('false: the file must not exist'),
  missing_ok: z.boolean().optional().describe('No such file passes the check (with not_contains: a program that never logged anything wrote no log)'),
  sha256: TemplateString.optional().describe('The file must have this SHA-256 (hex)'),
  within: Duration.optional().describe('Keep checking until true or this long has passed'),
});
type FileStep = z.output<typeof schema>;

/**
 * `file`: check a file (or the files a glob matches) in a node's folder; with `within:`
 * keep checking until the check holds or the time is up (a log entry that must disappear
 * on its own, a file written just after a line is printed).
 */
export const file = defineStep({
  kind: 'file',
  schema,
  describe(s, r) {
    const checks = [
      s.contains !== undefined ? `contains /${short(r(s.contains), 40)}/` : '',
      s.not_contains !== undefined ? `lacks /${short(r(s.not_contains), 40)}/` : '',
      s.exists === false ? 'absent' : '',
      s.sha256 !== undefined ? 'sha256 matches' : '',
    ].filter(Boolean);
    return `${who(s, r)}file ${r(s.file)} ${checks.join(', ') || 'exists'}${s.within ? ` (within ${s.within})` : ''}`;
  },
  refs: (s) => ({
    nodes: [{ key: 'node', name: s.node }],
    patterns: [
      { key: 'contains', text: s.contains, literal: s.literal },
      { key: 'not_contains', text: s.not_contains, literal: s.literal },
    ],
  }),
  async run(s, ctx) {
    const n = ctx.node();
    const spec = ctx.render(s.file);
    const deadline = Date.now() + durationMs(s.within, 0);
    for (;;) {
      const groups: Record<string, string> = {};
      const problem = await checkFile(n, spec, s, ctx, groups);
      if (!problem) {
        Object.assign(ctx.vars, groups); // named groups of `contains` become variables, as for expect
        return;
      }
      if (Date.now() >= deadline) throw new StepError(problem);
      await ctx.delay(Math.min(250, Math.max(10, deadline - Date.now())));
    }
  },
});

/** Whether a file spec is a glob rather than one path. */
function isGlob(spec: string): boolean {
  return picomatch.scan(spec).isGlob;
}

/** The relative paths among `files` that a glob matches (dot files included, as a shell with dotglob). */
export function matchGlob(glob: string, files: string[]): string[] {
  const match = picomatch(glob, { dot: true, posix: true }); // posix: [!a] negates, as in a shell
  return files.filter((f) => match(f));
}

/** Check a file (or the files a glob matches); undefined when the check holds. */
async function checkFile(n: StepNode, spec: string, s: FileStep, ctx: StepContext, groups: Record<string, string>): Promise<string | undefined> {
  const node = n.runtime;
  const files = isGlob(spec) ? matchGlob(spec, await node.listFiles()) : [spec];
  const contents = (await Promise.all(files.map((f) => node.readFile(f)))).filter((b): b is Buffer => b !== undefined);
  if (contents.length === 0) return s.exists !== false && !s.missing_ok ? `${node.name} has no file ${spec}` : undefined;
  if (s.exists === false) return `${node.name} has ${spec}, which should not exist`;
  const text = contents.map((c) => c.toString('utf8')).join('\n');
  if (s.contains !== undefined) {
    const re = ctx.pattern(ctx.render(s.contains), s.literal);
    const m = await ctx.search(re, text);
    if (!m) return `${node.name}:${spec} does not contain ${re.shown}; it holds: ${text.slice(-300)}`;
    Object.assign(groups, m.groups);
  }
  if (s.not_contains !== undefined) {
    const re = ctx.pattern(ctx.render(s.not_contains), s.literal);
    const m = await ctx.search(re, text);
    if (m) return `${node.name}:${spec} contains "${m.match}", which it should not; it holds: ${text.slice(-300)}`;
  }
  if (s.sha256 !== undefined) {
    const want = ctx.render(s.sha256).toLowerCase();
    const got = contents.map((c) => createHash('sha256').update(c).digest('hex'));
    if (!got.includes(want)) return `${node.name}:${spec} has SHA-256 ${got.join(', ')}, expected ${want}`;
  }
  return undefined;
}
