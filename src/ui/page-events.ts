// What the page's WebSocket carries besides the lab's own events: types only, importing
// nothing but lab/live-events.ts and wire/wire-event.ts, so the browser page (no Node types) reads them too.
import type { LabEvent } from '../lab/live-events.js';
import type { WireEvent } from '../wire/wire-event.js';

/** One arrow of what crossed the wire, as the page gets it (ts: seconds since the epoch). */
export type WireArrow = WireEvent;

/** Of a finished run: each scenario's diagram, as the run wrote it (sequence-<n>.svg), or none when nothing crossed the wire. */
export interface RunDiagram {
  scenario: string;
  file?: string;
}

/**
 * - `wire`: a live lab's latest arrows (the last `events.length` of the `total` worked out
 *   from the newest `packets` of the `seen` captured so far), replacing the
 *   ones sent before: a TCP message can span packets and a summarised run grows, so the
 *   tail is worked out again from the capture each time it grows.
 * - `wire-off`: no capture to show, and why.
 * - `wire-diagrams`: a finished run's diagrams, served under /sequence/<file>.
 * - `skipped`: output of a node the page was not sent because it fell behind (the
 *   WebSocket's send buffer was full): `lines` lines, `bytes` bytes, since the last
 *   `skipped` of that node. The run's transcripts still have every byte.
 */
export type PageEvent =
  | LabEvent
  | { type: 'wire'; events: WireArrow[]; total: number; packets: number; seen: number }
  | { type: 'wire-off'; why: string }
  | { type: 'wire-diagrams'; diagrams: RunDiagram[] }
  | { type: 'skipped'; node: string; lines: number; bytes: number };
