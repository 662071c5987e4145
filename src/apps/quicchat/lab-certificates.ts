import { webcrypto } from 'node:crypto';
import { networkInterfaces } from 'node:os';
import * as x509 from '@peculiar/x509';
import { fingerprint, SERVER_NAME } from './pem.js';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);


/** A freshly made CA certificate and a server certificate it signed, PEM. */
export interface LabCertificates {
  caPem: string;
  certPem: string;
  keyPem: string;
  /** SHA-256 of the CA certificate's DER, hex with colons (what a client prints to be compared). */
  caFingerprint: string;
}

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

/**
 * A lab CA and a server certificate, made when the server starts.
 *
 * Why: nothing secret is ever committed; every lab run has its own CA. The CA's private
 * key is used once, to sign the server's certificate, and then dropped, so no further
 * certificate can ever chain to this CA. Clients trust only this CA (see docs/protocols/quicchat.md).
 */
export async function makeLabCertificates(extraIps: readonly string[] = []): Promise<LabCertificates> {
  const subtle = webcrypto.subtle;
  const notBefore = new Date(Date.now() - 5 * 60_000);
  const notAfter = new Date(Date.now() + 30 * 24 * 3600_000);
  const caKeys = (await subtle.generateKey(ALG, true, ['sign', 'verify'])) as CryptoKeyPair;
  const serial = (): string => webcrypto.getRandomValues(new Uint8Array(8)).reduce((s, b) => s + b.toString(16).padStart(2, '0'), '7');
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=netlab quicchat lab CA ${new Date().toISOString()}`,
    notBefore,
    notAfter,
    keys: caKeys,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    ],
  });
  const keys = (await subtle.generateKey(ALG, true, ['sign', 'verify'])) as CryptoKeyPair;
  const ips = new Set(['127.0.0.1', ...extraIps]);
  for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) if (a.family === 'IPv4') ips.add(a.address);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: `CN=${SERVER_NAME}`,
    issuer: ca.subject,
    notBefore,
    notAfter,
    signingKey: caKeys.privateKey,
    publicKey: keys.publicKey,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(false),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([
        { type: 'dns', value: SERVER_NAME },
        { type: 'dns', value: 'localhost' },
        ...[...ips].map((value) => ({ type: 'ip' as const, value })),
      ]),
    ],
  });
  const pkcs8 = Buffer.from(await subtle.exportKey('pkcs8', keys.privateKey)).toString('base64');
  const keyPem = `-----BEGIN PRIVATE KEY-----\n${pkcs8.match(/.{1,64}/g)!.join('\n')}\n-----END PRIVATE KEY-----\n`;
  return { caPem: ca.toString('pem') + '\n', certPem: cert.toString('pem') + '\n', keyPem, caFingerprint: fingerprint(ca.toString('pem')) };
}

