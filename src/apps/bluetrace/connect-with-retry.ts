import { connect, type Socket } from 'node:net';

const RETRYABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'EAI_AGAIN', 'ENOTFOUND']);

/**
 * Open a TCP connection, retrying refused/unreachable attempts until `timeoutMs`.
 *
 * Why: in a lab every node starts at about the same time; a client that starts
 * a moment before the server should wait for it rather than fail.
 */
export async function connectWithRetry(host: string, port: number, timeoutMs: number, retryMs = 200): Promise<Socket> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await new Promise<Socket>((resolve, reject) => {
        const sock = connect({ host, port });
        sock.once('connect', () => {
          sock.off('error', reject);
          resolve(sock);
        });
        sock.once('error', reject);
      });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? '';
      if (!RETRYABLE.has(code) || Date.now() + retryMs > deadline) throw err;
      await new Promise((r) => setTimeout(r, retryMs));
    }
  }
}
