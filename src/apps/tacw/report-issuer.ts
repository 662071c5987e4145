import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import { calculateJwkThumbprint, exportJWK, exportSPKI, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import type { Clock } from '../common/clock.js';

/** How long a report JWT lives, in seconds (the 5 minutes). */
const REPORT_JWT_TTL_SECONDS = 300;

/** The issuer's RS256 key pair, with the public half as PEM and its JWK thumbprint as key id. */
export interface IssuerKeys {
  privateKey: CryptoKey;
  publicPem: string;
  kid: string;
}

/** A fresh RS256 key pair; the issuer makes one per start, as the issue asks. */
export async function generateIssuerKeys(): Promise<IssuerKeys> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { modulusLength: 2048, extractable: true });
  return { privateKey, publicPem: await exportSPKI(publicKey), kid: await calculateJwkThumbprint(await exportJWK(publicKey)) };
}

/** Signs one report JWT: iat now, exp iat + ttl, a random jti (what makes a replay detectable). */
export function signReportJwt(keys: IssuerKeys, clock: Clock, ttlSeconds = REPORT_JWT_TTL_SECONDS): Promise<string> {
  const iat = Math.floor(clock.now() / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: keys.kid })
    .setIssuedAt(iat)
    .setExpirationTime(iat + ttlSeconds)
    .setJti(randomUUID())
    .sign(keys.privateKey);
}

/**
 * The stand-in for the main app's Robert server: `POST /api/v6/report` with a submission
 * code answers `{"success": true, "message": ..., "reportValidationToken": <jwt>}`, and
 * `GET /public-key` publishes the key TAC-Warning verifies with.
 *
 * Why any non-empty code is accepted: the health authority's codes are outside this lab;
 * what TAC-Warning needs from Robert is only the signed, short-lived JWT.
 */
export function buildIssuer(keys: IssuerKeys, clock: Clock, log: (line: string) => void = () => undefined): FastifyInstance {
  const app = Fastify({ bodyLimit: 64 * 1024, logger: false });
  app.get('/public-key', async (_req, reply) => reply.type('application/x-pem-file').send(keys.publicPem));
  app.post('/api/v6/report', async (req, reply) => {
    const code = (req.body as { token?: unknown } | null)?.token;
    if (typeof code !== 'string' || code.length === 0 || code.length > 128) {
      return reply.code(400).send({ success: false, message: 'a submission code (token) is required' });
    }
    const jwt = await signReportJwt(keys, clock);
    log(`issued report token for code ${code.slice(0, 12)} (valid ${REPORT_JWT_TTL_SECONDS}s from ${new Date(clock.now()).toISOString()})`);
    return { success: true, message: 'Successful operation', reportValidationToken: jwt };
  });
  app.setErrorHandler((err: Error & { statusCode?: number }, _req, reply) => reply.code(err.statusCode && err.statusCode < 500 ? err.statusCode : 500).send({ success: false, message: err.message }));
  return app;
}
