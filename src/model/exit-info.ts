/**
 * How one incarnation of a node's program ended. Structured so that checks compare codes
 * and reason kinds, never descriptions: "code 137, killed: out of memory" is code 137.
 */
export interface ExitInfo {
  code: number | null;
  signal?: string | null;
  /** True when the lab stopped or killed it on purpose. */
  requested?: boolean;
  /** Why, when the runtime or the lab knows more than a code. */
  reason?: ExitReason;
}

/** Why a program ended, beyond its code: a kind to branch on and a text to show. */
export interface ExitReason {
  kind: 'oom' | 'output-limit' | 'disk-limit' | 'not-found' | 'other';
  text: string;
}

/** Describe an exit the way a person reads it: "code 0", "signal SIGKILL", "code 137, killed: out of memory". */
export function describeExit(e: ExitInfo): string {
  const what = e.code !== null && e.code !== undefined ? `code ${e.code}` : `signal ${e.signal ?? 'unknown'}`;
  return e.reason ? `${what}, ${e.reason.text}` : what;
}
