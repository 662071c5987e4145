import type { WireEvent } from './wire-events.js';

const COL = 170;
const ROW = 26;
const TOP = 50;

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/**
 * The same diagram as an SVG drawn by hand: a lifeline per participant, one arrow per
 * event (dashed for UDP, red with a cross for lost), its label above it. Why our own: a
 * sequence diagram is lines and text, and the only renderer of Mermaid needs a browser.
 */
export function sequenceSvg(events: WireEvent[], participants: string[], maxArrows = 300): string {
  const names = [...participants.filter((p) => events.some((e) => e.from === p || e.to === p))];
  for (const e of events) for (const n of [e.from, e.to]) if (!names.includes(n)) names.push(n);
  const x = (n: string) => COL / 2 + names.indexOf(n) * COL;
  const shown = events.slice(0, maxArrows);
  const height = TOP + (shown.length + 2) * ROW;
  const width = Math.max(COL, names.length * COL);
  const t0 = events[0]?.ts ?? 0;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    '<defs><marker id="a" markerWidth="8" markerHeight="8" refX="8" refY="4" orient="auto"><path d="M0,0 L8,4 L0,8 z" fill="#333"/></marker></defs>',
    `<rect width="${width}" height="${height}" fill="white"/>`,
  ];
  for (const n of names) {
    out.push(`<rect x="${x(n) - 60}" y="8" width="120" height="24" rx="4" fill="#eef" stroke="#446"/>`);
    out.push(`<text x="${x(n)}" y="24" text-anchor="middle" font-weight="bold">${esc(n)}</text>`);
    out.push(`<line x1="${x(n)}" y1="32" x2="${x(n)}" y2="${height - 8}" stroke="#99a" stroke-dasharray="4 3"/>`);
  }
  shown.forEach((e, i) => {
    const y = TOP + i * ROW + ROW / 2;
    const [x1, x2] = [x(e.from), x(e.to)];
    const crossed = e.lost !== undefined && (e.lostCount ?? e.count) >= e.count;
    const colour = e.lost ? '#c22' : '#333';
    const dash = e.proto === 'udp' ? ' stroke-dasharray="6 3"' : '';
    const label = `${(e.ts - t0).toFixed(3)}s ${e.label}${e.lost ? ` ✗ ${e.lost}` : ''}`;
    out.push(`<text x="${(x1 + x2) / 2}" y="${y - 4}" text-anchor="middle" fill="${colour}">${esc(label.length > 70 ? label.slice(0, 69) + '…' : label)}</text>`);
    if (crossed) {
      const xe = x1 + (x2 - x1) * 0.8;
      out.push(`<line x1="${x1}" y1="${y}" x2="${xe}" y2="${y}" stroke="${colour}"${dash}/>`);
      out.push(`<path d="M${xe - 5},${y - 5} L${xe + 5},${y + 5} M${xe - 5},${y + 5} L${xe + 5},${y - 5}" stroke="${colour}" stroke-width="2"/>`);
    } else out.push(`<line x1="${x1}" y1="${y}" x2="${x2}" y2="${y}" stroke="${colour}"${dash} marker-end="url(#a)"/>`);
  });
  if (events.length > maxArrows) out.push(`<text x="8" y="${height - 12}">${events.length - maxArrows} more messages not drawn</text>`);
  out.push('</svg>');
  return out.join('\n') + '\n';
}
