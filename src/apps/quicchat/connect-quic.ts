import { isIPv6, connect as tcpConnect } from 'node:net';
import type { Duplex } from 'node:stream';
import { events, QUICClient } from '@matrixai/quic';
import { isOnePemCertificate } from './pem.js';
import { quietLogger, QUIC_COMMON } from './quic-config.js';
import { clientCrypto } from './quic-crypto.js';
import { quicStreamDuplex } from './quic-stream-duplex.js';

/** A client's QUIC connection to the chat server and its one stream. */
export interface QuicLink {
  stream: Duplex;
  close(): Promise<void>;
}

const swallow = (): void => {};

/**
 * Connect, verify the server's certificate against `caPem` for `serverName`, open the
 * chat stream.
 *
 * Why a verified name: QUIC is always TLS, and the point of the lab's CA is that a client
 * talks only to the lab's server; quiche checks the chain and the DNS name.
 */
export async function connectQuic(o: { host: string; port: number; caPem: string; serverName: string }): Promise<QuicLink> {
  const client = await QUICClient.createQUICClient({
    host: o.host,
    port: o.port,
    serverName: o.serverName,
    // An IPv4 socket for an IPv4 server (the library's default is '::', an IPv6 socket).
    localHost: isIPv6(o.host) ? '::' : '0.0.0.0',
    crypto: clientCrypto,
    config: { ...QUIC_COMMON, ca: o.caPem, verifyPeer: true },
    logger: quietLogger(),
  });
  client.addEventListener(events.EventQUICClientError.name, swallow);
  client.connection.addEventListener(events.EventQUICConnectionError.name, swallow);
  client.connection.closedP.catch(swallow);
  client.closedP.catch(swallow);
  const qs = client.connection.newStream('bidi');
  qs.addEventListener(events.EventQUICStreamError.name, swallow);
  const stream = quicStreamDuplex(qs);
  stream.on('error', swallow);
  client.connection.closedP.then(
    () => stream.destroy(),
    () => stream.destroy(),
  );
  return {
    stream,
    async close() {
      await client.destroy({ isApp: true, errorCode: 0, force: true }).catch(swallow);
    },
  };
}

/**
 * Fetch the lab CA certificate the server hands out on its TCP port (trust on first use;
 * see docs/protocols/quicchat.md). At most 16 KiB, exactly one PEM certificate.
 */
export function fetchCa(host: string, port: number, timeoutMs = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = tcpConnect({ host, port });
    const parts: Buffer[] = [];
    let size = 0;
    sock.setTimeout(timeoutMs, () => sock.destroy(new Error(`no CA certificate from ${host}:${port} within ${timeoutMs / 1000}s`)));
    sock.on('data', (c: Buffer) => {
      size += c.length;
      if (size > 16 * 1024) sock.destroy(new Error('CA certificate too long'));
      else parts.push(c);
    });
    sock.on('error', reject);
    sock.on('end', () => {
      const pem = Buffer.concat(parts).toString('utf8');
      if (!isOnePemCertificate(pem)) reject(new Error(`${host}:${port} did not send one PEM certificate`));
      else resolve(pem);
    });
  });
}
