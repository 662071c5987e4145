import type { WireEvent } from './wire-events.js';

/** Mermaid needs ; and # written as entities inside a message. */
function escapeLabel(s: string): string {
  return s.replace(/#/g, '#35;').replace(/;/g, '#59;').replace(/[\r\n]+/g, ' ');
}

/**
 * A Mermaid sequence diagram: participants in the given order (server first), one arrow
 * per event, solid for TCP and open-headed for UDP, a cross for what was lost, and a
 * note once the arrow cap is reached. Why Mermaid: GitHub and GitLab render it in
 * report.md as it is, and it stays readable as text.
 */
export function sequenceMermaid(events: WireEvent[], participants: string[], maxArrows = 300): string {
  const seen = new Set(participants);
  const extra = events.flatMap((e) => [e.from, e.to]).filter((n) => !seen.has(n) && (seen.add(n), true));
  const lines = ['sequenceDiagram'];
  for (const p of [...participants.filter((p) => events.some((e) => e.from === p || e.to === p)), ...extra]) lines.push(`  participant ${id(p)}${id(p) !== p ? ` as ${p}` : ''}`);
  const t0 = events[0]?.ts ?? 0;
  for (const e of events.slice(0, maxArrows)) {
    const crossed = e.lost !== undefined && (e.lostCount ?? e.count) >= e.count;
    const arrow = crossed ? (e.proto === 'udp' ? '--x' : '-x') : e.proto === 'udp' ? '-)' : '->>';
    const lost = e.lost ? ` ✗ ${e.lost}` : '';
    lines.push(`  ${id(e.from)}${arrow}${id(e.to)}: ${escapeLabel(`${(e.ts - t0).toFixed(3)}s ${e.proto.toUpperCase()} ${e.label}${lost}`)}`);
  }
  if (events.length > maxArrows) lines.push(`  Note over ${id(participants[0] ?? events[0].from)}: ${events.length - maxArrows} more messages not drawn`);
  return lines.join('\n') + '\n';
}

/** Mermaid participant ids are words: an address becomes ip_10_0_0_1. */
function id(name: string): string {
  return /^[A-Za-z][\w-]*$/.test(name) ? name : `n_${name.replace(/\W/g, '_')}`;
}
