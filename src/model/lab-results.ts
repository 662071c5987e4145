import type { ScenarioResult } from './scenario-result.js';

export type LabStatus = 'passed' | 'failed' | 'error' | 'interrupted';

/** How one node ran, for results.json. */
interface NodeSummary {
  name: string;
  role: string;
  ip: string;
  image?: string;
  command: string[];
  id: string;
  exitCode: number | null;
  /** How it ended, as a person reads it ("code 137, killed: out of memory"). */
  exit?: string;
  firstOutputMs?: number;
  /** Characters that fell out of the node's output ring before any step read them (it printed more than the lab keeps). */
  outputDropped?: number;
  /** Bytes of output not written to the transcript (its cap reached). */
  transcriptDropped?: number;
  /** Files of the node's folder that collection could not keep, with why. */
  collectFailures?: { path: string; reason: string }[];
}

/** Why a run stopped before its verdict: the error's class, message and exit code. */
interface LabError {
  kind: string;
  message: string;
  /** The exit code `lab up` ends with for it (2 bad input or environment, 3 internal). */
  exitCode: number;
  node?: string;
  tail?: string;
  diagnosis?: string;
  hint?: string;
}

/** What `lab up` reports, to the terminal and to results.json. */
export interface LabResults {
  lab: string;
  file: string;
  runId: string;
  runtime: string;
  runDir: string;
  status: LabStatus;
  startedAt: string;
  ms: number;
  phases: Record<string, number>;
  nodes: NodeSummary[];
  scenarios: ScenarioResult[];
  score: { points: number; max: number };
  error?: LabError;
  wire?: WireSummary;
}

/** The run's evidence on the wire: the capture file and the faults put in and taken out. */
export interface WireSummary {
  /** runs/<run>/capture.pcap, its size and packet count; absent when capture was off (note says why). */
  capture?: { file: string; bytes: number; packets: number; droppedByKernel?: number; capped?: string };
  note?: string;
  /** runs/<run>/sequence.md (Mermaid) and the SVGs beside it. */
  sequence?: string[];
  /**
   * Every fault command run, and any rule of ours found still in place after tear-down
   * (should be none); `dropped`: the packets random-loss rules dropped, each logged by the
   * kernel (`dropped-<node>.pcap`, local `dropped.pcap`); `dropLogNote` when they could not be.
   */
  faults?: { applied: string[]; left: string[]; dropped?: number; dropLogNote?: string };
}
