import { connect } from 'node:net';
import { AbortedError, StepError } from './scenario-errors.js';

/** Resolve when a TCP connection to address:port succeeds; retries until the deadline. */
export async function waitPort(address: string, port: number, timeoutMs: number, signal?: AbortSignal): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let wait = 20;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect({ host: address, port, timeout: Math.max(100, deadline - Date.now()) });
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
      s.once('timeout', () => {
        s.destroy();
        resolve(false);
      });
    });
    if (ok) return;
    if (Date.now() + wait > deadline) throw new StepError(`nothing accepted connections on ${address}:${port} within ${(timeoutMs / 1000).toFixed(1)}s`);
    await delay(wait, signal);
    wait = Math.min(wait * 2, 200);
  }
}

export function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new AbortedError());
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(new AbortedError());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
