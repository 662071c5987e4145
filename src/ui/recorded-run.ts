import { existsSync, readFileSync } from 'node:fs';
import type { LabResults } from '../model/lab-results.js';
import { MARK } from '../report/transcript.js';
import { UsageError } from '../model/netlab-error.js';
import { join } from 'node:path';
import type { LabEvent, LabInfo, UiSource } from './ui-source.js';
import type { PageEvent, RunDiagram } from './page-events.js';
import { nodeFiles, runFiles, SEQUENCE_FILE } from '../model/run-paths.js';

const esc = (s: string) => s.replace(/[|>]/g, '\\$&');
/** A transcript line: `[   1.234s] out| text` (report/transcript.ts writes the marks). */
const LINE = new RegExp(`^\\[\\s*([\\d.]+)s\\] (${Object.values(MARK).map(esc).join('|')}) ?(.*)$`);

/**
 * A finished run folder as the page's source: the nodes and scenario steps from
 * results.json, each node's terminal and the typed/printed lines from its transcript.
 */
export function recordedRun(runDir: string): UiSource {
  const resultsFile = runFiles.results(runDir);
  if (!existsSync(resultsFile)) throw new UsageError(`${runDir} is not a run folder (no results.json)`);
  const res = JSON.parse(readFileSync(resultsFile, 'utf8')) as LabResults;
  const info: LabInfo = {
    lab: res.lab,
    runtime: `${res.runtime}, finished ${res.status}`,
    runDir,
    scenarios: res.scenarios.map((s) => s.name),
    nodes: res.nodes.map((n) => ({ name: n.name, role: n.role, ip: n.ip, image: n.image ?? '', state: 'exited', exit: n.exit })),
  };
  const timed: { t: number; e: LabEvent }[] = [];
  for (const n of res.nodes) {
    const file = nodeFiles.transcript(runDir, n.name);
    if (!existsSync(file)) continue;
    for (const raw of readFileSync(file, 'utf8').split('\n')) {
      const m = LINE.exec(raw);
      if (!m) continue;
      const [, at, tag, text] = m;
      const t = Number(at);
      if (tag === MARK.typed) timed.push({ t, e: { type: 'typed', node: n.name, text } });
      else if (tag !== MARK.lab) timed.push({ t, e: { type: 'output', node: n.name, stream: tag === MARK.stderr ? 'stderr' : 'stdout', text: text + '\n' } });
    }
  }
  // The terminals and the sequence view read best in the order things happened.
  const events: LabEvent[] = timed.sort((a, b) => a.t - b.t).map((x) => x.e);
  for (const s of res.scenarios) {
    events.push({ type: 'scenario-start', name: s.name });
    for (const st of s.steps) {
      if (st.status === 'skipped') continue;
      events.push({ type: 'step', step: { scenario: s.name, path: st.path, description: st.description, status: st.status, ms: st.ms } });
    }
    events.push({ type: 'scenario-end', name: s.name, status: s.status, ms: s.ms, error: s.failure?.message });
  }
  const wire = runWire(runDir, res);
  const files = new Set(wire.type === 'wire-diagrams' ? wire.diagrams.flatMap((d) => (d.file ? [d.file] : [])) : []);
  return {
    live: false,
    info: async () => info,
    subscribe(cb) {
      events.forEach(cb);
      cb(wire);
      return () => undefined;
    },
    sequenceFile: (name) => (files.has(name) ? join(runDir, name) : undefined),
  };
}

/**
 * The run's sequence diagrams, per scenario, as lab-wire.ts wrote them: sequence.md has a
 * `## <scenario>` section per scenario, with `![..](sequence-<n>.svg)` when anything
 * crossed the wire.
 */
function runWire(runDir: string, res: LabResults): PageEvent {
  if (!res.wire?.capture) return { type: 'wire-off', why: res.wire?.note ?? 'this run has no capture' };
  const md = join(runDir, SEQUENCE_FILE);
  if (!existsSync(md)) return { type: 'wire-off', why: res.wire.note ?? `this run wrote no ${SEQUENCE_FILE}` };
  const diagrams: RunDiagram[] = [];
  for (const line of readFileSync(md, 'utf8').split('\n')) {
    const h = /^## (.*)$/.exec(line);
    if (h) diagrams.push({ scenario: h[1] });
    const img = /^!\[.*\]\((sequence-\d+\.svg)\)$/.exec(line);
    const last = diagrams.at(-1);
    if (img && last && existsSync(join(runDir, img[1]))) last.file = img[1];
  }
  return { type: 'wire-diagrams', diagrams };
}
