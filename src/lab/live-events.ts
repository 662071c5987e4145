// What a live lab tells its watchers: types only, with no import but model/'s types, so the
// browser page (src/ui/page, its own tsconfig, no Node types) reads the same definitions.
import type { StepEvent } from '../model/scenario-result.js';

/** A node as the live page and `lab ps` show it. */
export interface NodeInfo {
  name: string;
  role: string;
  ip: string;
  image: string;
  state: 'running' | 'exited' | 'not started';
  exit?: string;
}

export interface LabInfo {
  lab: string;
  runtime: string;
  runDir: string;
  nodes: NodeInfo[];
  scenarios: string[];
}

/** What happens in a live lab, in the order it happens. */
export type LabEvent =
  | { type: 'output'; node: string; stream: 'stdout' | 'stderr'; text: string }
  | { type: 'typed'; node: string; text: string }
  | { type: 'state'; node: NodeInfo }
  | { type: 'scenario-start'; name: string }
  | { type: 'step'; step: StepEvent }
  | { type: 'scenario-end'; name: string; status: string; ms: number; error?: string };

export type NodeOp = 'start' | 'stop' | 'restart';
