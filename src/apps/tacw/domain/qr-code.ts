import { isVenueType } from './erp-config.js';

/** What a static venue QR code carries (the seed's JSON fields, the real app's URL parts). */
export interface StaticQrCode {
  type: 'STATIC';
  venueType: string;
  /** 1..5; 0 only where the seed allows none (a private venue). */
  venueCategory: number;
  venueCapacity: number;
  uuid: string;
  /** When the venue tool made this code (Unix seconds), if the URL says. */
  issuedAt?: number;
}

/** The real app's deep-link prefix for static codes: version 0. */
const QR_URL_PREFIX = 'https://tac.gouv.fr/0/';

export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Why a scanned text is not a venue code, for the person holding the phone. */
export class QrCodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'QrCodeError';
  }
}

/** The URL form: https://tac.gouv.fr/0/<uuid>/<venueType>/<category>/<capacity>[/<unix secs>]. */
export function formatQrUrl(qr: StaticQrCode): string {
  const base = `${QR_URL_PREFIX}${qr.uuid}/${qr.venueType}/${qr.venueCategory}/${qr.venueCapacity}`;
  return qr.issuedAt === undefined ? base : `${base}/${qr.issuedAt}`;
}

/** The seed's JSON form (its field names: type, venueCategory, venueType, capacity, uuid). */
export function formatQrJson(qr: StaticQrCode): string {
  return JSON.stringify({ type: 'STATIC', venueCategory: qr.venueCategory, venueType: qr.venueType, capacity: qr.venueCapacity, uuid: qr.uuid });
}

function intField(v: unknown, name: string, min: number, max: number): number {
  const n = typeof v === 'string' && /^\d{1,10}$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) throw new QrCodeError(`${name} must be a whole number ${min}..${max}`);
  return n;
}

function checked(qr: StaticQrCode): StaticQrCode {
  if (!UUID_RE.test(qr.uuid)) throw new QrCodeError('uuid is not a UUID');
  if (!isVenueType(qr.venueType)) throw new QrCodeError(`unknown venue type "${qr.venueType}"`);
  return { ...qr, uuid: qr.uuid.toLowerCase() };
}

/**
 * Reads a scanned code in either form: the URL or the seed's JSON.
 *
 * Why both: printed posters of the real service carry the URL, the seed specifies JSON; a
 * visitor app reads whatever the venue shows.
 */
export function parseQrCode(text: string): StaticQrCode {
  const s = text.trim();
  if (s.startsWith('{')) {
    let o: Record<string, unknown>;
    try {
      o = JSON.parse(s) as Record<string, unknown>;
    } catch {
      throw new QrCodeError('the JSON code is not valid JSON');
    }
    if (typeof o !== 'object' || o === null) throw new QrCodeError('the JSON code is not an object');
    if (o.type !== 'STATIC') throw new QrCodeError('only STATIC codes are supported (DYNAMIC is not specified yet)');
    if (typeof o.venueType !== 'string' || typeof o.uuid !== 'string') throw new QrCodeError('venueType and uuid are required');
    return checked({
      type: 'STATIC',
      venueType: o.venueType,
      venueCategory: o.venueCategory === undefined ? 0 : intField(o.venueCategory, 'venueCategory', 0, 5),
      venueCapacity: intField(o.capacity ?? o.venueCapacity, 'capacity', 0, 1_000_000),
      uuid: o.uuid,
    });
  }
  if (!s.startsWith(QR_URL_PREFIX)) throw new QrCodeError(`not a venue code (expected ${QR_URL_PREFIX}... or JSON)`);
  const parts = s.slice(QR_URL_PREFIX.length).split('/');
  if (parts.length !== 4 && parts.length !== 5) throw new QrCodeError('the URL must be .../0/<uuid>/<venueType>/<category>/<capacity>[/<time>]');
  const [uuid, venueType, cat, cap, at] = parts as [string, string, string, string, string | undefined];
  return checked({
    type: 'STATIC',
    venueType,
    venueCategory: intField(cat, 'category', 0, 5),
    venueCapacity: intField(cap, 'capacity', 0, 1_000_000),
    uuid,
    ...(at === undefined ? {} : { issuedAt: intField(at, 'time', 0, 99_999_999_999) }),
  });
}
