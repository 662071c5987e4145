import type { LabInfo, NodeOp } from '../lab/live-lab.js';
import type { PageEvent } from './page-events.js';

export type { LabEvent, LabInfo } from '../lab/live-lab.js';

/**
 * What the live page shows and drives: a lab's description, its events (with a replay of
 * what happened so far), and, for a live lab, typing into a node and restarting it.
 * A live lab (LiveLab) is one; a finished run folder (recordedRun) is another, read-only.
 */
export interface UiSource {
  info(): Promise<LabInfo>;
  subscribe(cb: (e: PageEvent) => void): () => void;
  /** A finished run's sequence diagram file (sequence-<n>.svg) by name: its path, if the run has it. */
  sequenceFile?(name: string): string | undefined;
  write?(node: string, text: string): Promise<void>;
  control?(op: NodeOp, node: string): Promise<void>;
  /** Notified when the source goes away (the lab's controller ended). */
  readonly live: boolean;
}
