/** One step as it went, for results.json, junit.xml and grade reports. */
export interface StepRecord {
  path: string;
  description: string;
  status: 'passed' | 'failed' | 'skipped';
  ms: number;
}

/** A step that just finished, for progress output. */
export interface StepEvent {
  scenario: string;
  path: string;
  description: string;
  status: 'passed' | 'failed';
  ms: number;
  error?: string;
}

/** How one scenario went: every step, and for a failure which step, why, and what was left. */
export interface ScenarioResult {
  name: string;
  status: 'passed' | 'failed';
  ms: number;
  points: number;
  maxPoints: number;
  steps: StepRecord[];
  failure?: ScenarioFailure;
  /** Graded again after a timeout; why the first attempt failed. */
  retried?: { firstFailure: string; attempts: number };
  /** Nodes that crashed while the scenario ran (an exit the lab did not ask for, or a traceback on stderr). */
  crashes?: NodeCrash[];
}

/** A node's crash during a scenario, as the student needs to see it. */
export interface NodeCrash {
  node: string;
  /** How it ended ("code 1"), when it ended. */
  exit?: string;
  /** Its traceback, or for an exit without one its last lines of stderr. */
  stderr?: string;
  /** stderr holds a crash report (a traceback, an uncaught exception), whether or not it ended. */
  traceback: boolean;
}

/** Why a scenario failed, as a person needs it to fix the program. */
interface ScenarioFailure {
  step: string;
  description: string;
  message: string;
  node?: string;
  tail?: string;
  stepsLeft: string[];
  /** What the lab found out about why, when it could (e.g. a server bound to 127.0.0.1). */
  diagnosis?: string;
  /** The step waited its whole deadline (or the scenario reached its time limit): a busy machine can do that. */
  timedOut?: boolean;
  /** The failed step's gate (gate: in the topology): later scenarios through it are not run. */
  gate?: string;
  /** Not run because its role's whole run failed (the lab could not start): the report says why once, at the top. */
  wholeRun?: boolean;
  /** This scenario did not run: a gate it passes through had failed in that scenario. */
  notRun?: { gate: string; scenario: string };
}
