import type { NodeCrash } from '../model/scenario-result.js';

/** One line on a node's crash in a scenario: "phone1 ended (code 1) with this traceback". */
export function crashHeading(c: NodeCrash): string {
  const how = c.traceback ? 'with this traceback' : c.stderr ? 'and printed last to stderr' : 'and printed nothing to stderr';
  return c.exit ? `${c.node} ended during this scenario (${c.exit}) ${how}` : `${c.node} printed a traceback during this scenario and went on running`;
}

/** The crashes a report shows for a scenario: all of a failed one's; of a passed one only tracebacks (the grade stands, the student should still see them). */
export function shownCrashes(s: { status: 'passed' | 'failed'; crashes?: NodeCrash[] }): NodeCrash[] {
  return (s.crashes ?? []).filter((c) => s.status === 'failed' || c.traceback);
}
