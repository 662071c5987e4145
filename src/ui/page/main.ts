import { Terminal } from '@xterm/xterm';
import '@xterm/xterm/css/xterm.css';
import dagre from '@dagrejs/dagre';
import './style.css';

// The wire format of /ws (see src/ui/ui-server.ts, src/lab/live-events.ts and src/ui/page-events.ts).
import type { LabInfo, NodeInfo } from '../../lab/live-events.js';
import type { PageEvent, RunDiagram, WireArrow } from '../page-events.js';
type Message = { type: 'info'; info: LabInfo; live: boolean } | { type: 'events'; events: PageEvent[] } | { type: 'reply'; op: string; node: string; ok: boolean; error?: string };

/** Bounds that keep the page's memory flat however long the lab prints. */
const SCROLLBACK = 1000;
const SEQUENCE_ROWS = 400;
const STEP_ROWS = 1000;

const $ = <T extends HTMLElement>(sel: string) => document.querySelector(sel) as T;
const token = new URLSearchParams(location.search).get('token') ?? '';
const statusEl = $('#status');
const t0 = performance.now();

interface NodeView { info: NodeInfo; term: Terminal; box: HTMLElement; state: HTMLElement; partial: string }
const views = new Map<string, NodeView>();
let live = false;
let ws: WebSocket | undefined;
let retryMs = 250;

function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

function setStatus(text: string, down = false): void {
  statusEl.textContent = text;
  statusEl.classList.toggle('down', down);
}

function connect(): void {
  const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const sock = new WebSocket(`${proto}//${location.host}/ws?token=${encodeURIComponent(token)}`);
  ws = sock;
  sock.onopen = () => {
    retryMs = 250;
    setStatus('connected');
  };
  sock.onmessage = (m) => handle(JSON.parse(String(m.data)) as Message);
  sock.onclose = () => {
    if (ws !== sock) return;
    ws = undefined;
    setStatus(`disconnected; reconnecting…`, true);
    setTimeout(connect, retryMs);
    retryMs = Math.min(retryMs * 2, 3000);
  };
}

function handle(m: Message): void {
  if (m.type === 'info') return render(m.info, m.live);
  if (m.type === 'reply') {
    if (!m.ok) views.get(m.node)?.term.write(`\r\n\x1b[31m[netlab: ${m.error}]\x1b[0m\r\n`);
    return;
  }
  for (const e of m.events) apply(e);
  flushSequence();
}

/** Rows of the sequence view waiting for the end of the batch: only the last SEQUENCE_ROWS are ever drawn. */
let pendingRows: { node: string; kind: 'typed' | 'printed'; line: string }[] = [];
let printedLines = 0;
/** Lines the server did not send because the page fell behind (the transcripts have them). */
let skippedLines = 0;
const linesEl = $('#lines');

function flushSequence(): void {
  const body = $('#sequence tbody');
  const rows = pendingRows.slice(-SEQUENCE_ROWS);
  pendingRows = [];
  const at = ((performance.now() - t0) / 1000).toFixed(2);
  const frag = document.createDocumentFragment();
  const talking = new Set<string>();
  for (const r of rows) {
    const tr = el('tr', { class: r.kind });
    tr.append(el('td', {}, at), el('td', {}, r.node), el('td', {}, r.kind === 'typed' ? '>>>' : ''), el('td', {}, r.line));
    frag.append(tr);
    talking.add(r.node);
  }
  body.append(frag);
  while (body.childElementCount > SEQUENCE_ROWS) body.firstElementChild!.remove();
  talking.forEach(flash);
  linesEl.textContent = `${printedLines} lines${skippedLines ? ` (${skippedLines} not shown: the page fell behind)` : ''}`;
  linesEl.dataset.lines = String(printedLines);
  linesEl.dataset.skipped = String(skippedLines);
}

/** A fresh picture of the lab: on every (re)connection the server replays what happened. */
function render(info: LabInfo, isLive: boolean): void {
  live = isLive;
  document.title = `netlab: ${info.lab}`;
  $('#title').textContent = info.lab;
  $('#runtime').textContent = `${info.runtime}${isLive ? '' : ' (recorded run: read only)'}`;
  setStatus(isLive ? 'live' : 'recorded run');
  printedLines = 0;
  skippedLines = 0;
  pendingRows = [];
  for (const v of views.values()) v.term.dispose();
  views.clear();
  $('#terminals').replaceChildren();
  $('#steps').replaceChildren();
  $('#sequence tbody').replaceChildren();
  nodeOrder = info.nodes.map((n) => n.name);
  wireT0 = undefined;
  diagramsShown = '';
  $('#wire').replaceChildren();
  $('#wire-note').textContent = isLive ? 'waiting for the capture…' : 'this run has no sequence diagrams';
  for (const n of info.nodes) addTerminal(n);
  drawGraph(info.nodes);
}

function addTerminal(n: NodeInfo): void {
  const box = el('section', { class: 'term', id: `term-${n.name}`, 'aria-label': `terminal of ${n.name}` });
  const h = el('h3', {}, n.name);
  const state = el('span', { class: 'state' }, stateText(n));
  h.append(state);
  const host = el('div', { class: 'xterm-host' });
  const form = el('form', { 'data-node': n.name });
  const input = el('input', { type: 'text', name: 'line', autocomplete: 'off', 'aria-label': `type a line into ${n.name}`, placeholder: live ? `type into ${n.name}, Enter sends` : 'recorded run' });
  if (!live) input.disabled = true;
  const send = el('button', { type: 'submit' }, 'Send');
  const restart = el('button', { type: 'button', 'aria-label': `restart ${n.name}` }, 'Restart');
  send.disabled = restart.disabled = !live;
  form.append(input, send, restart);
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    ws?.send(JSON.stringify({ op: 'write', node: n.name, text: input.value + '\n' }));
    input.value = '';
  });
  restart.addEventListener('click', () => ws?.send(JSON.stringify({ op: 'restart', node: n.name })));
  box.append(h, host, form);
  $('#terminals').append(box);
  const style = getComputedStyle(document.documentElement);
  const term = new Terminal({
    convertEol: true,
    disableStdin: true,
    scrollback: SCROLLBACK,
    rows: 12,
    fontSize: 13,
    screenReaderMode: false,
    theme: { background: style.getPropertyValue('--term-bg').trim(), foreground: style.getPropertyValue('--term-fg').trim() },
  });
  term.open(host);
  views.set(n.name, { info: n, term, box, state, partial: '' });
}

const stateText = (n: NodeInfo) => `${n.ip} · ${n.state}${n.exit ? ` (${n.exit})` : ''}`;

function select(name: string): void {
  for (const [k, v] of views) v.box.classList.toggle('selected', k === name);
  document.querySelectorAll('.gnode').forEach((g) => g.classList.toggle('selected', g.getAttribute('data-node') === name));
  const v = views.get(name);
  v?.box.scrollIntoView({ block: 'nearest' });
  v?.box.querySelector('input')?.focus();
}

const SVG = 'http://www.w3.org/2000/svg';
function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>, text?: string): SVGElementTagNameMap[K] {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

/** The lab as a graph: the server(s) on top, every client linked to it, laid out by dagre. */
function drawGraph(nodes: NodeInfo[]): void {
  const g = new dagre.graphlib.Graph();
  // Few nodes read best top to bottom; a server with many clients, left to right (clients in a column).
  g.setGraph({ rankdir: nodes.length > 5 ? 'LR' : 'TB', nodesep: 10, ranksep: 90, marginx: 8, marginy: 8 });
  g.setDefaultEdgeLabel(() => ({}));
  const W = 150;
  const H = 52;
  for (const n of nodes) g.setNode(n.name, { width: W, height: H });
  const servers = nodes.filter((n) => n.role === 'server');
  for (const s of servers) for (const c of nodes) if (c.role !== 'server') g.setEdge(s.name, c.name);
  dagre.layout(g);
  const gl = g.graph();
  const root = svg('svg', { viewBox: `0 0 ${gl.width ?? 300} ${gl.height ?? 100}`, width: gl.width ?? 300, height: gl.height ?? 100, role: 'group', 'aria-label': 'lab topology' });
  for (const e of g.edges()) {
    const pts = g.edge(e).points ?? [];
    root.append(svg('polyline', { class: 'gedge', 'data-from': e.v, 'data-to': e.w, points: pts.map((p: { x: number; y: number }) => `${p.x},${p.y}`).join(' ') }));
  }
  for (const n of nodes) {
    const p = g.node(n.name);
    const grp = svg('g', { class: `gnode ${n.state.replace(' ', '-')}`, 'data-node': n.name, tabindex: 0, role: 'button', 'aria-label': `${n.name}, ${n.ip}, ${n.state}, ${n.image}: open its terminal`, transform: `translate(${p.x - W / 2},${p.y - H / 2})` });
    grp.append(svg('rect', { width: W, height: H, rx: 6 }));
    grp.append(svg('text', { x: 8, y: 15, class: 'name' }, n.name));
    grp.append(svg('text', { x: 8, y: 30, class: 'ip' }, n.ip));
    grp.append(svg('text', { x: 8, y: 44, class: 'state' }, `${n.state} · ${n.image.length > 14 ? n.image.slice(0, 13) + '…' : n.image}`));
    grp.addEventListener('click', () => select(n.name));
    grp.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter' || ev.key === ' ') {
        ev.preventDefault();
        select(n.name);
      }
    });
    root.append(grp);
  }
  $('#graph').replaceChildren(root);
}

function updateState(n: NodeInfo): void {
  const v = views.get(n.name);
  if (!v) return;
  v.info = n;
  v.state.textContent = stateText(n);
  const g = document.querySelector(`.gnode[data-node="${CSS.escape(n.name)}"]`);
  if (g) {
    g.setAttribute('class', `gnode ${n.state.replace(' ', '-')}`);
    const t = g.querySelector('text.state');
    if (t) t.textContent = `${n.state} · ${n.image.length > 14 ? n.image.slice(0, 13) + '…' : n.image}`;
    g.setAttribute('aria-label', `${n.name}, ${n.ip}, ${n.state}, ${n.image}: open its terminal`);
  }
}

function seqRow(node: string, kind: 'typed' | 'printed', line: string): void {
  if (kind === 'printed') printedLines++;
  pendingRows.push({ node, kind, line });
  if (pendingRows.length > 4 * SEQUENCE_ROWS) pendingRows = pendingRows.slice(-SEQUENCE_ROWS);
}

/** Light up the link of a node that is talking, for a moment. */
function flash(node: string): void {
  document.querySelectorAll(`.gedge[data-to="${CSS.escape(node)}"]`).forEach((e) => {
    e.classList.add('active');
    setTimeout(() => e.classList.remove('active'), 600);
  });
}

function stepRow(cls: string, text: string): void {
  const list = $('#steps');
  list.append(el('li', { class: cls }, text));
  while (list.childElementCount > STEP_ROWS) list.firstElementChild!.remove();
  list.scrollTop = list.scrollHeight;
}

function apply(e: PageEvent): void {
  switch (e.type) {
    case 'output': {
      const v = views.get(e.node);
      if (!v) return;
      v.term.write(e.stream === 'stderr' ? `\x1b[31m${e.text}\x1b[0m` : e.text);
      const lines = (v.partial + e.text).split('\n');
      v.partial = lines.pop() ?? '';
      if (v.partial.length > 4096) v.partial = '';
      for (const l of lines) seqRow(e.node, 'printed', l);
      return;
    }
    case 'typed':
      views.get(e.node)?.term.write(`\x1b[36m${e.text}\x1b[0m\r\n`);
      return seqRow(e.node, 'typed', e.text);
    case 'state':
      return updateState(e.node);
    case 'scenario-start':
      return stepRow('scenario', `▶ ${e.name}`);
    case 'step':
      return stepRow(e.step.status, `${e.step.path} ${e.step.description}${e.step.error ? `: ${e.step.error}` : ''}`);
    case 'scenario-end':
      return stepRow(`scenario ${e.status}`, `${e.status === 'passed' ? '✔ passed' : '✘ failed'} ${e.name}${e.error ? `: ${e.error}` : ''}`);
    case 'wire':
      return drawWire(e.events, e.total, e.packets, e.seen);
    case 'wire-off':
      $('#wire').replaceChildren();
      $('#wire-note').textContent = `${e.why}. The lines typed and printed are beside.`;
      $('#wire-panel').dataset.capture = 'off';
      return;
    case 'wire-diagrams':
      return void showDiagrams(e.diagrams);
    case 'skipped': {
      skippedLines += e.lines;
      const v = views.get(e.node);
      if (!v) return;
      // The line the skip cut into is not finished here: start the note on a fresh line.
      v.partial = '';
      v.term.write(`\r\n\x1b[2m[netlab: ${e.lines} lines (${e.bytes} bytes) not shown: this page fell behind; the run's transcript has them]\x1b[0m\r\n`);
      return;
    }
  }
}

// What crossed the wire: a sequence diagram, one lifeline per node, one arrow per message.
let nodeOrder: string[] = [];
let wireT0: number | undefined;
let COL = 130;
const ROW = 22;
const HEAD = 30;
const cut = (s: string, n: number) => (s.length > n ? s.slice(0, n - 1) + '…' : s);

/** A live lab's newest arrows (they replace the ones drawn before), as a small sequence diagram. */
function drawWire(arrows: WireArrow[], total: number, packets: number, seen: number): void {
  const box = $('#wire');
  $('#wire-panel').dataset.capture = 'on';
  $('#wire-note').textContent = total
    ? `${total} messages from ${seen > packets ? `the newest ${packets} of ${seen}` : packets} packets${total > arrows.length ? `; the last ${arrows.length} drawn` : ''}. Solid TCP, dashed UDP, crossed: lost.`
    : 'capture on: nothing has crossed the wire yet';
  if (!arrows.length) return box.replaceChildren();
  wireT0 ??= arrows[0].ts;
  const names = nodeOrder.filter((n) => arrows.some((a) => a.from === n || a.to === n));
  for (const a of arrows) for (const n of [a.from, a.to]) if (!names.includes(n)) names.push(n);
  // As wide as the panel, when the nodes fit at 90px or more each.
  COL = Math.max(90, Math.min(160, Math.floor((box.clientWidth - 4) / names.length)));
  const x = (n: string) => COL / 2 + names.indexOf(n) * COL;
  const width = Math.max(COL * 2, names.length * COL);
  const height = HEAD + arrows.length * ROW + 8;
  const root = svg('svg', { class: 'wire-seq', width, height, viewBox: `0 0 ${width} ${height}`, role: 'list', 'aria-label': 'what crossed the wire, in time order' });
  root.append(svg('defs', {}));
  root.firstChild!.appendChild(svg('marker', { id: 'wire-head', markerWidth: 8, markerHeight: 8, refX: 8, refY: 4, orient: 'auto' })).appendChild(svg('path', { d: 'M0,0 L8,4 L0,8 z', class: 'head' }));
  for (const n of names) {
    root.append(svg('line', { class: 'lifeline', x1: x(n), y1: HEAD - 6, x2: x(n), y2: height }));
    root.append(svg('rect', { class: 'who', x: x(n) - COL / 2 + 6, y: 2, width: COL - 12, height: HEAD - 10, rx: 4 }));
    root.append(svg('text', { class: 'who', x: x(n), y: HEAD - 13, 'text-anchor': 'middle' }, cut(n, Math.floor(COL / 8))));
  }
  arrows.forEach((a, i) => {
    const y = HEAD + i * ROW + ROW - 5;
    const [x1, x2] = [x(a.from), a.from === a.to ? x(a.from) + COL / 3 : x(a.to)];
    const crossed = a.lost !== undefined && (a.lostCount ?? a.count) >= a.count;
    const at = `+${(a.ts - (wireT0 ?? a.ts)).toFixed(3)}s`;
    const g = svg('g', { class: `arrow ${a.proto}${a.lost ? ' lost' : ''}`, role: 'listitem', 'data-from': a.from, 'data-to': a.to, 'data-kind': a.kind });
    g.append(svg('title', {}, `${at} ${a.from} → ${a.to} (${a.proto}): ${a.label}${a.lost ? ` (lost: ${a.lost})` : ''}`));
    g.append(svg('text', { x: (x1 + x2) / 2, y: y - 4, 'text-anchor': 'middle' }, cut(`${at} ${a.label}${a.lost ? ` ✗ ${a.lost}` : ''}`, Math.max(24, Math.round((Math.abs(x2 - x1) || COL) / 6.2)))));
    if (crossed) {
      const xe = x1 + (x2 - x1) * 0.8;
      g.append(svg('line', { x1, y1: y, x2: xe, y2: y }), svg('path', { class: 'cross', d: `M${xe - 5},${y - 5} L${xe + 5},${y + 5} M${xe - 5},${y + 5} L${xe + 5},${y - 5}` }));
    } else g.append(svg('line', { x1, y1: y, x2, y2: y, 'marker-end': 'url(#wire-head)' }));
    root.append(g);
  });
  const atEnd = box.scrollTop + box.clientHeight >= box.scrollHeight - 30;
  box.replaceChildren(root);
  if (atEnd) box.scrollTop = box.scrollHeight;
  for (const n of new Set(arrows.slice(-5).map((a) => a.from))) flash(n);
}

/** A finished run's diagrams: the SVGs it wrote, one per scenario, drawn inline (so their text can be selected). */
let diagramsShown = '';
async function showDiagrams(diagrams: RunDiagram[]): Promise<void> {
  const key = JSON.stringify(diagrams);
  if (key === diagramsShown) return;
  diagramsShown = key;
  $('#wire-panel').dataset.capture = 'on';
  $('#wire-note').textContent = diagrams.length ? 'As the run wrote them (sequence-<n>.svg): solid TCP, dashed UDP, red and crossed: lost.' : 'this run has no sequence diagrams';
  const parts = await Promise.all(
    diagrams.map(async (d) => {
      const sec = el('section', { class: 'diagram', 'aria-label': `what crossed the wire in ${d.scenario}` });
      sec.append(el('h3', {}, d.scenario));
      if (!d.file) sec.append(el('p', { class: 'muted' }, 'nothing crossed the wire'));
      else {
        const res = await fetch(`./sequence/${encodeURIComponent(d.file)}?token=${encodeURIComponent(token)}`);
        const pic = res.ok ? cleanSvg(await res.text()) : undefined;
        sec.append(pic ?? el('p', { class: 'muted' }, `${d.file}: ${res.status} ${res.statusText}`));
      }
      return sec;
    }),
  );
  if (key === diagramsShown) $('#wire').replaceChildren(...parts);
}

/** Only drawing elements and attributes of a run's SVG go into the page: no script, no event handler, no link. */
const SVG_TAGS = new Set(['svg', 'defs', 'marker', 'path', 'rect', 'line', 'polyline', 'text', 'tspan', 'g', 'title']);
function cleanSvg(text: string): SVGSVGElement | undefined {
  const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
  const root = doc.documentElement;
  if (root.nodeName !== 'svg') return undefined;
  const walk = (e: Element) => {
    for (const c of [...e.children]) {
      if (SVG_TAGS.has(c.nodeName)) walk(c);
      else c.remove();
    }
    for (const a of [...e.attributes]) if (/^on|href$|^style$/i.test(a.name) || /url\((?!#)/i.test(a.value)) e.removeAttribute(a.name);
  };
  walk(root);
  return document.importNode(root, true) as unknown as SVGSVGElement;
}

connect();
