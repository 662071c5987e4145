// What the page's WebSocket carries besides the lab's own events: types only, importing
// nothing but lab/live-events.ts, so the browser page (no Node types) reads them too.
import type { LabEvent } from '../lab/live-events.js';

/** One arrow of what crossed the wire: src/wire/wire-events.ts WireEvent, as the page gets it. */
export interface WireArrow {
  /** Seconds since the epoch. */
  ts: number;
  from: string;
  to: string;
  proto: 'tcp' | 'udp';
  kind: 'connect' | 'close' | 'reset' | 'message';
  label: string;
  count: number;
  lost?: string;
  lostCount?: number;
}

/** Of a finished run: each scenario's diagram, as the run wrote it (sequence-<n>.svg), or none when nothing crossed the wire. */
export interface RunDiagram {
  scenario: string;
  file?: string;
}

/**
 * - `wire`: a live lab's latest arrows (the last `events.length` of `total`), replacing the
 *   ones sent before: a TCP message can span packets and a summarised run grows, so the
 *   tail is worked out again from the capture each time it grows.
 * - `wire-off`: no capture to show, and why.
 * - `wire-diagrams`: a finished run's diagrams, served under /sequence/<file>.
 */
export type PageEvent =
  | LabEvent
  | { type: 'wire'; events: WireArrow[]; total: number; packets: number }
  | { type: 'wire-off'; why: string }
  | { type: 'wire-diagrams'; diagrams: RunDiagram[] };
