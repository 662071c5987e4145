import { z } from 'zod';
import { durationMs } from './duration.js';

/** The longest duration a topology may give: beyond it timers overflow (2^31 ms) and nothing useful waits that long. */
const MAX_DURATION_MS = 24 * 3_600_000;

/**
 * The zod pieces topology files and step kinds share. Kept apart from topology-schema.ts
 * so step files (src/scenario/steps/) can use them without importing the whole schema,
 * which itself imports the step registry.
 */

/** "10s", "500ms", "2m", "1.5s", or a number of seconds. */
export const Duration = z
  .union([z.number().nonnegative(), z.string().regex(/^\d+(\.\d+)?(ms|s|m|h)$/, 'a duration such as 500ms, 10s or 2m')])
  .refine((v) => withinCap(v), 'a duration of at most 24h')
  .describe('A duration: a number of seconds, or a string such as 500ms, 10s, 2m');

/** Text in which {{ ... }} templates are filled in before use. */
export const TemplateString = z
  .string()
  .refine((s) => !s.includes('\0'), 'contains a NUL byte (a program cannot receive it)')
  .describe('Text; {{ server.ip }}, {{ nodes.NAME.ip }}, {{ self.ip }}, {{ vars.X }} are replaced');

/** One node name or a list of them (start, stop, kill, restart, discard). */
export const NodeList = z.union([TemplateString, z.array(TemplateString)]);

/** Keys every step may carry, whatever its kind. */
export const stepCommon = {
  name: z.string().optional().describe('What this step checks, shown in reports'),
  timeout: Duration.optional().describe('Deadline for this step (default: the scenario timeout)'),
  gate: z
    .string()
    .min(1)
    .optional()
    .describe(
      'A label shared by steps every later scenario depends on (e.g. the first prompt): once a step with this gate fails, the later scenarios holding a step with the same gate are not run, for that reason',
    ),
};

/** The node a single-node step acts on. */
export const stepNode = {
  node: TemplateString.describe('The node the step acts on'),
};

/**
 * Steps that act on a list of nodes (start, stop, kill, restart, discard) also accept a
 * node: key, as files written before the step registry put one there; it must name a node.
 */
export const stepNodeOptional = {
  node: TemplateString.optional().describe('Accepted for old files; the listed nodes are the ones acted on'),
};

/** True unless the value is a duration over MAX_DURATION_MS (a malformed one is the regex's to report). */
function withinCap(v: unknown): boolean {
  try {
    return durationMs(v as string | number, 0) <= MAX_DURATION_MS;
  } catch {
    return true;
  }
}
