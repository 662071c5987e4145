/**
 * The receiving node of the chat transfer bench, on its own thread (as it would be on its
 * own node): binds a UDP port on the receiver address, then either counts a raw blast or
 * receives a file through the chat's PeerLink, and reports when the last byte arrived.
 * Does nothing when imported on the main thread.
 */
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { UdpDatagramPort } from '../apps/chat/datagram-port.js';
import { PeerLink } from '../apps/chat/peer-link.js';

export interface PeerJob {
  mode: 'raw' | 'reliable';
  address: string;
  bytes: number;
  dir: string;
}

/** Milliseconds on a clock every thread shares. */
const now = () => performance.timeOrigin + performance.now();

if (!isMainThread && parentPort) {
  const job = workerData as PeerJob;
  const port = await UdpDatagramPort.bind(0, job.address);
  if (job.mode === 'raw') {
    let received = 0;
    let last = 0;
    port.onMessage((d) => {
      received += d.length;
      last = now();
      if (received >= job.bytes) parentPort!.postMessage({ type: 'done', received, at: last });
    });
    parentPort.on('message', (m: { type: string }) => {
      if (m.type === 'report') parentPort!.postMessage({ type: 'done', received, at: last });
    });
  } else {
    const link = new PeerLink(port, { dir: job.dir, events: { received: (r) => parentPort!.postMessage({ type: 'done', ok: r.ok, at: now() }) } });
    link.self = 'steve';
    parentPort.on('message', (m: { type: string }) => m.type === 'close' && link.close());
  }
  parentPort.on('message', (m: { type: string }) => m.type === 'close' && port.close());
  parentPort.postMessage({ type: 'ready', port: port.port });
}
