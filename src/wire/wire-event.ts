// Types only, importing nothing: the browser page (src/ui/page, no Node types) reads them too.

/** One arrow of a sequence diagram: who sent what to whom, when, and whether it got there. */
export interface WireEvent {
  ts: number;
  from: string;
  to: string;
  proto: 'tcp' | 'udp';
  kind: 'connect' | 'close' | 'reset' | 'message';
  label: string;
  /** How many messages this arrow stands for (a summarised run of chunks). */
  count: number;
  /** Why it is known not to have arrived ("dropped by partition", "sent again"), or how many of a run. */
  lost?: string;
  /** Of a summarised run, how many are known lost (all of them: the arrow is crossed). */
  lostCount?: number;
}
