import type { ScenarioResult } from './scenario-result.js';

/** The place a submission takes in the lab: the server, the clients, or both. */
export type GradeRole = 'server' | 'client' | 'both';

/** One scenario as graded: the lab's result, named for the role the submission played. */
export interface GradedScenario extends ScenarioResult {
  role: GradeRole;
  /** The lab run it was graded in, when its role's scenarios ran in several labs at once (--scenario-labs). */
  runDir?: string;
}

/** One submission's grade, as the report writers (src/report/) and Gradescope see it. */
export interface SubmissionGrade {
  submission: string;
  dir: string;
  roles: GradeRole[];
  language?: string;
  score: number;
  max: number;
  ms: number;
  scenarios: GradedScenario[];
  /** Said once at the top of the report: what the loopback policy rewrote (warn). */
  notes?: string[];
  /** Labs run again because the engine failed under them (not the submission's doing), and why. */
  reruns?: string[];
  /** Per role: the lab run folder and, when the lab itself could not run, why. */
  runs: { role: GradeRole; runDir?: string; error?: string; diagnosis?: string; tail?: string; node?: string; phases?: Record<string, number> }[];
  /** What was not taken from the submission folder (hard links, symbolic links, special files), with why. */
  skipped?: string[];
  /** Ctrl-C stopped the grading: the scores are partial and the submission is graded again next time. */
  interrupted?: boolean;
  /** Graded on the local runtime (--unsafe-local): no sandbox, said at the top of the report. */
  unsandboxed?: boolean;
}
