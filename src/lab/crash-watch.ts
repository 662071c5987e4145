import { describeExit, type ExitInfo } from '../model/exit-info.js';
import { crashText } from '../model/crash-signs.js';
import type { NodeCrash } from '../model/scenario-result.js';
import type { LabNode } from './lab-node.js';

/** Ends that count whoever asked for them: the lab stopped the node for breaking a limit. */
const LIMIT_KINDS = new Set(['oom', 'output-limit', 'disk-limit']);
const STDERR_LINES = 20;

function abnormal(e: ExitInfo | undefined): e is ExitInfo {
  if (!e) return false;
  if (e.reason && LIMIT_KINDS.has(e.reason.kind)) return true;
  return !e.requested && e.code !== 0;
}

/**
 * Start watching nodes for crashes over one scenario; the function returned says which
 * crashed since: an end the lab did not ask for (or a limit's), or a traceback on stderr
 * even when the program went on (a server thread that died). A node that had ended before
 * the scenario and stayed so does not count again.
 */
export function watchCrashes(nodes: readonly LabNode[]): () => NodeCrash[] {
  const marks = nodes.map((n) => ({ n, err: n.stderrMark(), exit: n.lastExit }));
  return () =>
    marks.flatMap(({ n, err, exit }) => {
      const ended = n.lastExit !== exit && abnormal(n.lastExit) ? n.lastExit : undefined;
      const printed = n.stderrSince(err);
      const trace = crashText(printed);
      if (!ended && !trace) return [];
      const last = printed.replace(/\s+$/, '').split('\n').slice(-STDERR_LINES).join('\n');
      const stderr = trace ?? (last || undefined);
      return [{ node: n.name, ...(ended ? { exit: describeExit(ended) } : {}), ...(stderr ? { stderr } : {}), traceback: trace !== undefined }];
    });
}
