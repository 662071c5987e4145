import { errors, importSPKI, jwtVerify, type CryptoKey, type KeyObject } from 'jose';
import type { Clock } from '../../common/clock.js';
import { TacwError } from '../domain/error-codes.js';

/** The facts of a valid report JWT the server keeps. */
export interface ReportJwt {
  jti: string;
  /** Unix seconds. */
  exp: number;
}

/** Longest lifetime (exp - iat) a report JWT may claim: the 5 minutes. */
const MAX_JWT_LIFETIME_SECONDS = 300;

/** Where the issuer's public key comes from: a PEM text, or a URL serving one (fetched on first need, then pinned). */
export type KeySource = { pem: string } | { url: string; fetch?: typeof fetch };

/**
 * Verifies the Bearer JWT of a report: RS256 only, signed by the configured key, with
 * iat, exp and jti, alive at the server's clock, living at most 5 minutes.
 *
 * Why the key is pinned after one fetch: the issuer publishes its key once at start; a
 * server that re-fetched on every failure would let whoever answers that URL later choose
 * which signatures are valid.
 */
export class JwtVerifier {
  private key?: Promise<CryptoKey | KeyObject>;

  constructor(
    private readonly source: KeySource,
    private readonly clock: Clock,
  ) {}

  /** Loads the key now (a server does this at start, so the first report does not wait). */
  async warmUp(): Promise<void> {
    await this.loadKey();
  }

  private loadKey(): Promise<CryptoKey | KeyObject> {
    if (!this.key) {
      const p = (async () => {
        if ('pem' in this.source) return importSPKI(this.source.pem, 'RS256');
        const res = await (this.source.fetch ?? fetch)(this.source.url, { signal: AbortSignal.timeout(3000) });
        if (!res.ok) throw new Error(`${this.source.url} answered ${res.status}`);
        return importSPKI(await res.text(), 'RS256');
      })();
      this.key = p;
      p.catch(() => {
        if (this.key === p) this.key = undefined; // not pinned: try again next time
      });
    }
    return this.key;
  }

  /** The report JWT in an Authorization header value, or a TacwError saying what is wrong with it. */
  async verify(authorization: string | undefined): Promise<ReportJwt> {
    const m = authorization === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (!m) throw new TacwError('ERROR_JWT_MISSING', 'an Authorization: Bearer <jwt> header is required');
    let key: CryptoKey | KeyObject;
    try {
      key = await this.loadKey();
    } catch (e) {
      throw new TacwError('ERROR_JWT_KEY_UNAVAILABLE', `the issuer's public key is not available: ${(e as Error).message}`);
    }
    let payload;
    try {
      ({ payload } = await jwtVerify(m[1]!, key, { algorithms: ['RS256'], currentDate: new Date(this.clock.now()), requiredClaims: ['iat', 'exp', 'jti'] }));
    } catch (e) {
      if (e instanceof errors.JWTExpired) throw new TacwError('ERROR_JWT_EXPIRED', 'the JWT has expired');
      if (e instanceof errors.JWSSignatureVerificationFailed || e instanceof errors.JOSEAlgNotAllowed) throw new TacwError('ERROR_JWT_SIGNATURE_INVALID', 'the JWT is not signed by the issuer');
      if (e instanceof errors.JWTClaimValidationFailed) throw new TacwError('ERROR_JWT_CLAIMS_INVALID', `the JWT claims are not valid: ${e.message}`);
      throw new TacwError('ERROR_JWT_MALFORMED', 'the JWT cannot be read');
    }
    const { iat, exp, jti } = payload as { iat: number; exp: number; jti: unknown };
    if (typeof jti !== 'string' || jti.length === 0 || jti.length > 128) throw new TacwError('ERROR_JWT_CLAIMS_INVALID', 'jti must be a string of 1..128 characters');
    if (exp - iat > MAX_JWT_LIFETIME_SECONDS) throw new TacwError('ERROR_JWT_CLAIMS_INVALID', `the JWT lives ${exp - iat}s, more than ${MAX_JWT_LIFETIME_SECONDS}s`);
    return { jti, exp };
  }
}
