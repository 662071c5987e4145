import { Terminal } from '@xterm/xterm';
import '@xterm/xterm/css/xterm.css';
import dagre from '@dagrejs/dagre';
import './style.css';

// The wire format of /ws (see src/ui/ui-server.ts and src/lab/live-events.ts).
import type { LabEvent, LabInfo, NodeInfo } from '../../lab/live-events.js';
type Message = { type: 'info'; info: LabInfo; live: boolean } | { type: 'events'; events: LabEvent[] } | { type: 'reply'; op: string; node: string; ok: boolean; error?: string };

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
  linesEl.textContent = `${printedLines} lines`;
  linesEl.dataset.lines = String(printedLines);
}

/** A fresh picture of the lab: on every (re)connection the server replays what happened. */
function render(info: LabInfo, isLive: boolean): void {
  live = isLive;
  document.title = `netlab: ${info.lab}`;
  $('#title').textContent = info.lab;
  $('#runtime').textContent = `${info.runtime}${isLive ? '' : ' (recorded run: read only)'}`;
  setStatus(isLive ? 'live' : 'recorded run');
  printedLines = 0;
  pendingRows = [];
  for (const v of views.values()) v.term.dispose();
  views.clear();
  $('#terminals').replaceChildren();
  $('#steps').replaceChildren();
  $('#sequence tbody').replaceChildren();
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

function apply(e: LabEvent): void {
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
  }
}

connect();
