import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Clock } from '../../common/clock.js';
import type { ErpConfig } from '../domain/erp-config.js';
import { ERROR_HEADER, TacwError, type ErrorCode } from '../domain/error-codes.js';
import { exposuresOfReport, scoreHits } from '../domain/exposure.js';
import { ntpFromUnixMs, NTP_UNIX_OFFSET } from '../domain/ntp-time.js';
import { parseReportRequest } from '../domain/report-request.js';
import { parseStatusRequest } from '../domain/status-request.js';
import { MAX_SALT } from '../domain/visit-token.js';
import type { ExposureStore } from '../storage/exposure-store.js';
import type { JwtVerifier } from './jwt-verifier.js';

/** Largest request body, in bytes: a full report (250 visits) is about 50 KB. */
const BODY_LIMIT = 512 * 1024;

/** The path prefix of the real service. */
const API_PREFIX = '/api/tac-warning';

export interface ServerDeps {
  store: ExposureStore;
  verifier: JwtVerifier;
  config: ErpConfig;
  clock: Clock;
  retentionSeconds: number;
  maxSalt?: number;
  /** One line per report stored or refused, for the terminal (the lab expects on it). */
  log?: (line: string) => void;
}

function refuse(reply: FastifyReply, code: ErrorCode, status: number, message: string): FastifyReply {
  reply.header(ERROR_HEADER, code).code(status);
  // The real service answers 403 with an empty JSON body; the code is in the header.
  return reply.send(status === 403 ? {} : { error: code, message });
}

/** Fastify's own refusals (parsing, limits, media type) under our codes. */
function mapFastifyError(err: { code?: string; statusCode?: number }): [ErrorCode, number] | undefined {
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return ['ERROR_BODY_TOO_LARGE', 413];
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return ['ERROR_CONTENT_TYPE', 415];
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return ['ERROR_BODY_MALFORMED', 400];
    default:
      if (err.statusCode === 400) return ['ERROR_BODY_MALFORMED', 400];
      if (err.statusCode === 413) return ['ERROR_BODY_TOO_LARGE', 413];
      if (err.statusCode === 415) return ['ERROR_CONTENT_TYPE', 415];
      return undefined;
  }
}

/**
 * The TAC-Warning HTTP API on fastify: v1/v2 wstatus and wreport under /api/tac-warning,
 * in the real service's wire format.
 *
 * Why handlers stay thin: validation lives in the domain (parseStatusRequest,
 * parseReportRequest), matching in SQL (the store); a handler only chains them and turns a
 * TacwError into its status code and X-TACW-Error header.
 */
export function buildServer(deps: ServerDeps): FastifyInstance {
  const maxSalt = deps.maxSalt ?? MAX_SALT;
  const log = deps.log ?? (() => undefined);
  const app = Fastify({ bodyLimit: BODY_LIMIT, logger: false, return503OnClosing: true, onProtoPoisoning: 'error', onConstructorPoisoning: 'error' });

  // JSON only: fastify also parses text/plain by default, which no TAC-Warning client sends.
  app.removeContentTypeParser('text/plain');

  app.setErrorHandler((err: Error & { code?: string; statusCode?: number }, _req, reply) => {
    if (err instanceof TacwError) return refuse(reply, err.code, err.status, err.message);
    const mapped = mapFastifyError(err);
    if (mapped) return refuse(reply, mapped[0], mapped[1], err.message);
    log(`error: ${err.stack ?? err.message}`);
    return refuse(reply, 'ERROR_STORAGE_UNAVAILABLE', 503, 'the server could not answer; try again later');
  });
  app.setNotFoundHandler((req, reply) => refuse(reply, 'ERROR_NOT_FOUND', 404, `no route ${req.method} ${req.url.slice(0, 200)}`));

  async function status(req: FastifyRequest) {
    const tokens = parseStatusRequest(req.body);
    return scoreHits(await deps.store.lookup(tokens));
  }

  app.post(`${API_PREFIX}/v1/wstatus`, async (req) => ({ atRisk: (await status(req)).riskLevel > 0 }));
  app.post(`${API_PREFIX}/v2/wstatus`, async (req) => {
    const s = await status(req);
    return s.lastContactDate === undefined ? { riskLevel: s.riskLevel } : { riskLevel: s.riskLevel, lastContactDate: String(s.lastContactDate) };
  });

  async function report(req: FastifyRequest, reply: FastifyReply) {
    let jwt;
    try {
      jwt = await deps.verifier.verify(req.headers.authorization);
    } catch (e) {
      if (e instanceof TacwError) log(`report refused: ${e.code}`);
      throw e;
    }
    const now = ntpFromUnixMs(deps.clock.now());
    const parsed = parseReportRequest(req.body, now, deps.retentionSeconds);
    const exposures = exposuresOfReport(parsed.visits, deps.config, deps.retentionSeconds);
    const outcome = await deps.store.recordReport(jwt.jti, jwt.exp + NTP_UNIX_OFFSET, exposures, maxSalt);
    if (outcome === 'replayed') {
      log('report refused: ERROR_JWT_ALREADY_USED');
      throw new TacwError('ERROR_JWT_ALREADY_USED', 'this JWT was already used for a report');
    }
    log(`report stored: ${parsed.visits.length} visits, ${exposures.length} intervals, ${exposures.length * maxSalt} tokens (dropped ${parsed.dropped}, truncated ${parsed.truncated})`);
    reply.header('x-tacw-visits-stored', parsed.visits.length).header('x-tacw-visits-dropped', parsed.dropped).header('x-tacw-visits-truncated', parsed.truncated);
    return { success: true, message: 'Report successful' };
  }
  app.post(`${API_PREFIX}/v1/wreport`, report);
  app.post(`${API_PREFIX}/v2/wreport`, report);
  return app;
}
