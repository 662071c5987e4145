import { createHash } from 'node:crypto';

/** The DNS name in the server's certificate; clients verify it (QUIC/TLS checks names, not IPs). */
export const SERVER_NAME = 'quicchat-server';

/** SHA-256 over a PEM certificate's DER, as colon-separated hex. */
export function fingerprint(pem: string): string {
  const b64 = pem.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, '');
  return createHash('sha256').update(Buffer.from(b64, 'base64')).digest('hex').match(/../g)!.join(':');
}

/** Whether text holds exactly one PEM certificate (what a CA file or the bootstrap port must give). */
export function isOnePemCertificate(text: string): boolean {
  return /^\s*-----BEGIN CERTIFICATE-----\s+[A-Za-z0-9+/=\s]+-----END CERTIFICATE-----\s*$/.test(text);
}
