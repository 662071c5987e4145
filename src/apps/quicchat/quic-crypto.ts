import { webcrypto } from 'node:crypto';
import type { QUICClientCrypto, QUICServerCrypto } from '@matrixai/quic';

const HMAC = { name: 'HMAC', hash: 'SHA-256' } as const;

/**
 * The crypto callbacks @matrixai/quic asks for: an HMAC key and sign/verify for the
 * server's retry and stateless-reset tokens, random bytes for the client.
 *
 * Why here: the library takes them as parameters (it has no crypto of its own besides
 * TLS); node:crypto's WebCrypto provides them.
 */
export async function serverCrypto(): Promise<QUICServerCrypto> {
  const key = await webcrypto.subtle.exportKey('raw', (await webcrypto.subtle.generateKey(HMAC, true, ['sign', 'verify'])) as CryptoKey);
  return {
    key,
    ops: {
      async sign(k, data) {
        return webcrypto.subtle.sign('HMAC', await webcrypto.subtle.importKey('raw', k, HMAC, false, ['sign']), data);
      },
      async verify(k, data, sig) {
        return webcrypto.subtle.verify('HMAC', await webcrypto.subtle.importKey('raw', k, HMAC, false, ['verify']), sig, data);
      },
    },
  };
}

export const clientCrypto: QUICClientCrypto = {
  ops: {
    async randomBytes(data: ArrayBuffer) {
      webcrypto.getRandomValues(new Uint8Array(data));
    },
  },
};
