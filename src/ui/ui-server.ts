import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync, existsSync } from 'node:fs';
import { extname, join, normalize } from 'node:path';
import Fastify, { type FastifyRequest } from 'fastify';
import websocket from '@fastify/websocket';
import type { LabInfo, UiSource } from './ui-source.js';
import type { PageEvent } from './page-events.js';
import { LiveWire } from './live-wire.js';
import { runFiles } from '../model/run-paths.js';

export interface UiServerOptions {
  /** Where the built page lives (dist/ui). */
  pageDir: string;
  port?: number;
  token?: string;
}

export interface UiServer {
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.woff2': 'font/woff2' };
/** A page that reads slower than the lab prints loses output rather than the controller's memory. */
const MAX_BUFFERED = 8 * 1024 * 1024;
const FLUSH_MS = 40;
/** How often a live lab's capture is read while a page watches. */
const WIRE_MS = 1000;

/**
 * The live page: the built page's files, and one WebSocket per open page carrying the
 * lab's events (batched) one way and typed lines and restarts the other. Only on
 * 127.0.0.1, and only with the token of the printed URL (anything else: 403). Of a live
 * lab, what crosses the wire (its growing capture.pcap, read while a page is open) goes
 * into the same batches; a finished run's sequence diagrams are served under /sequence/.
 */
export async function serveUi(source: UiSource, opts: UiServerOptions): Promise<UiServer> {
  const token = opts.token ?? randomBytes(18).toString('base64url');
  // A browser keeps its HTTP connections alive after its page is gone: closing waits for
  // none of them (measured: `lab ui` took 110 s to end after Ctrl-C once Chromium had
  // opened the page), the page reconnects when it is served again.
  const app = Fastify({ logger: false, forceCloseConnections: true });
  await app.register(websocket, { options: { maxPayload: 64 * 1024 } });
  const allowed = (req: FastifyRequest) => {
    const given = Buffer.from(String((req.query as Record<string, unknown>).token ?? ''));
    const want = Buffer.from(token);
    return given.length === want.length && timingSafeEqual(given, want);
  };
  const deny = async (req: FastifyRequest, reply: { code: (n: number) => { send: (b: string) => unknown } }) => {
    if (!allowed(req)) return reply.code(403).send('forbidden: this page needs the token of the URL the controller printed');
  };

  app.get('/', { preValidation: deny }, async (_req, reply) => reply.type(TYPES['.html']).send(readFileSync(join(opts.pageDir, 'index.html'))));
  // The page's own code and styles; no lab data in them, so they need no token.
  app.get('/assets/*', async (req, reply) => {
    const rel = normalize((req.params as { '*': string })['*']).replace(/^(\.\.[/\\])+/, '');
    const file = join(opts.pageDir, 'assets', rel);
    if (!existsSync(file)) return reply.code(404).send('not found');
    return reply.type(TYPES[extname(file)] ?? 'application/octet-stream').send(readFileSync(file));
  });

  // A finished run's sequence-<n>.svg: lab data, so under the token.
  app.get('/sequence/:file', { preValidation: deny }, async (req, reply) => {
    const file = source.sequenceFile?.((req.params as { file: string }).file);
    if (!file || !existsSync(file)) return reply.code(404).send('not found');
    return reply.type(TYPES['.svg']).header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'").send(readFileSync(file));
  });

  // One reader of the capture for every page of a live lab; it reads only while one is open.
  let wire: LiveWire | undefined;
  const wireOf = (info: LabInfo) => (wire ??= new LiveWire(runFiles.capture(info.runDir), new Map(info.nodes.map((n) => [n.ip, n.name])), WIRE_MS));

  app.get('/ws', { websocket: true, preValidation: deny }, (socket) => {
    let queue: PageEvent[] = [];
    // A page that falls behind is sent no more output until the buffer drains; what it
    // missed is counted per node and told to it (a 'skipped' before the next batch).
    const skipped = new Map<string, { lines: number; bytes: number }>();
    let timer: NodeJS.Timeout | undefined;
    const flush = () => {
      timer = undefined;
      if (socket.readyState !== socket.OPEN) return;
      const notes: PageEvent[] = [...skipped].map(([node, s]) => ({ type: 'skipped', node, ...s }));
      skipped.clear();
      socket.send(JSON.stringify({ type: 'events', events: notes.length ? [...notes, ...queue] : queue }));
      queue = [];
    };
    const push = (e: PageEvent) => {
      if (e.type === 'output' && socket.bufferedAmount > MAX_BUFFERED) {
        const s = skipped.get(e.node) ?? { lines: 0, bytes: 0 };
        s.bytes += e.text.length;
        for (let i = e.text.indexOf('\n'); i >= 0; i = e.text.indexOf('\n', i + 1)) s.lines++;
        skipped.set(e.node, s);
        // Say so even when nothing else comes: the note goes with the next flush.
      }
      else queue.push(e);
      timer ??= setTimeout(flush, FLUSH_MS);
    };
    let unsub = () => {};
    let unsubWire = () => {};
    let closed = false;
    source.info().then(
      (info) => {
        if (closed) return;
        socket.send(JSON.stringify({ type: 'info', info, live: source.live }));
        unsub = source.subscribe(push);
        if (source.live) unsubWire = wireOf(info).subscribe(push);
      },
      (e) => socket.close(1011, String((e as Error).message).slice(0, 100)),
    );
    socket.on('message', (raw: Buffer) => {
      let m: { op?: string; node?: string; text?: string };
      try {
        m = JSON.parse(String(raw));
      } catch {
        return;
      }
      const reply = (ok: boolean, error?: string) => socket.send(JSON.stringify({ type: 'reply', op: m.op, node: m.node, ok, error }));
      const act =
        m.op === 'write' && source.write && m.node && typeof m.text === 'string'
          ? source.write(m.node, m.text)
          : (m.op === 'restart' || m.op === 'start' || m.op === 'stop') && source.control && m.node
            ? source.control(m.op, m.node)
            : Promise.reject(new Error(source.live ? `unknown request ${m.op}` : 'this is a finished run: nothing to drive'));
      act.then(
        () => reply(true),
        (e) => reply(false, (e as Error).message),
      );
    });
    socket.on('close', () => {
      closed = true;
      unsub();
      unsubWire();
      if (timer) clearTimeout(timer);
    });
  });

  await app.listen({ host: '127.0.0.1', port: opts.port ?? 0 });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : opts.port ?? 0;
  return { url: `http://127.0.0.1:${port}/?token=${token}`, port, token, close: () => app.close() };
}
