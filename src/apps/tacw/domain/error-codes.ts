/**
 * Every error the TAC-Warning server answers, by code. The code travels in the
 * `X-TACW-Error` response header on every error, so the body shapes of the real service
 * stay as they are (403 answers `{}`); 4xx answers other than 403 also carry
 * `{"error": code, "message": text}`.
 *
 * Why a header: the seed asks for ERROR_JWT_EXPIRED and ERROR_JWT_SIGNATURE_INVALID, the
 * real service answers 403 with an empty JSON body; a header gives both.
 */
const ERROR_CODES = {
  ERROR_JWT_MISSING: 403,
  ERROR_JWT_MALFORMED: 403,
  ERROR_JWT_EXPIRED: 403,
  ERROR_JWT_SIGNATURE_INVALID: 403,
  ERROR_JWT_CLAIMS_INVALID: 403,
  ERROR_JWT_ALREADY_USED: 403,
  ERROR_JWT_KEY_UNAVAILABLE: 503,
  ERROR_BODY_MALFORMED: 400,
  ERROR_VISITS_MISSING: 400,
  ERROR_NO_VALID_VISIT: 400,
  ERROR_VISIT_TOKENS_MISSING: 400,
  ERROR_VISIT_TOKEN_INVALID: 400,
  ERROR_TOO_MANY_VISIT_TOKENS: 400,
  ERROR_BODY_TOO_LARGE: 413,
  ERROR_CONTENT_TYPE: 415,
  ERROR_NOT_FOUND: 404,
  ERROR_METHOD_NOT_ALLOWED: 405,
  ERROR_STORAGE_UNAVAILABLE: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** The response header naming the error code. */
export const ERROR_HEADER = 'x-tacw-error';

/**
 * A request the server refuses, with its code; handlers throw it and one error handler
 * turns it into the answer.
 */
export class TacwError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'TacwError';
    this.status = ERROR_CODES[code];
  }
}
