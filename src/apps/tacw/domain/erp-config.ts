import { z } from 'zod';

/**
 * ERP (établissement recevant du public) types the seed lists, plus W, X, Y from the same
 * official table. A QR code naming any other type is refused.
 */
export const VENUE_TYPES = [
  'J', 'L', 'M', 'N', 'O', 'P', 'R', 'S', 'T', 'U', 'V', 'W', 'X', 'Y',
  'PA', 'SG', 'PS', 'GA', 'OA', 'REF',
] as const;
const VENUE_TYPE_SET = new Set<string>(VENUE_TYPES);

/** Whether a QR code's venueType is one this server knows. */
export function isVenueType(v: string): boolean {
  return VENUE_TYPE_SET.has(v);
}

/** Risk levels of the v2 status answer: 0 none, 1..4 rising. */
const MAX_RISK_LEVEL = 4;

/**
 * What the server applies to a reported visit of one venue type and category.
 *
 * Why each field: startDelta/endDelta widen the positive's rounded scan time into the
 * exposed interval; threshold is the seed's `Seuil` (positives needed in overlapping
 * intervals before visitors are warned); riskLevel is what the v2 status answers then.
 */
export interface VenueRule {
  type: string;
  /** 1..5, or 0 for "any category of this type". */
  category: number;
  startDelta: number;
  endDelta: number;
  threshold: number;
  riskLevel: number;
}

/** The rule for venues no entry names: the issue's defaults (900 s before, 7200 s after, 2 positives). */
const DEFAULT_RULE: VenueRule = { type: 'DEFAULT', category: 0, startDelta: 900, endDelta: 7200, threshold: 2, riskLevel: 4 };

const seconds = z.number().int().min(0).max(7 * 86400);
/** One entry of erp_config.json, in the seed's spelling (categorie, type, jauge, Timestamp1, Timestamp2, Seuil). */
const Entry = z.strictObject({
  Version: z.union([z.string(), z.number()]).optional(),
  categorie: z.number().int().min(0).max(5),
  type: z.string().refine((t) => t === 'DEFAULT' || isVenueType(t), { message: `a venue type (${VENUE_TYPES.join(', ')}) or DEFAULT` }),
  jauge: z.number().int().min(0).optional(),
  Timestamp1: seconds,
  Timestamp2: seconds,
  Seuil: z.number().int().min(1).max(1000),
  riskLevel: z.number().int().min(1).max(MAX_RISK_LEVEL).optional(),
});
const ConfigFile = z.array(Entry).min(1);

/** A bad erp_config.json, with the JSON path of the first problem. */
export class ErpConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ErpConfigError';
  }
}

/**
 * The venue rules of erp_config.json, looked up by (type, category), then (type, any
 * category), then DEFAULT.
 *
 * Why a class: the server reads the file once at start and answers each reported visit
 * from a map, never from the file.
 */
export class ErpConfig {
  private readonly rules = new Map<string, VenueRule>();
  readonly fallback: VenueRule;

  constructor(rules: readonly VenueRule[]) {
    let fallback = DEFAULT_RULE;
    for (const r of rules) {
      if (r.type === 'DEFAULT') fallback = r;
      else this.rules.set(`${r.type}/${r.category}`, r);
    }
    this.fallback = fallback;
  }

  /** The rule for a venue; never undefined (DEFAULT catches the rest). */
  ruleFor(type: string, category: number): VenueRule {
    return this.rules.get(`${type}/${category}`) ?? this.rules.get(`${type}/0`) ?? this.fallback;
  }

  /** Parses the file's text; `source` names it in errors. */
  static parse(text: string, source = 'erp_config.json'): ErpConfig {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      throw new ErpConfigError(`${source}: not JSON: ${(e as Error).message}`);
    }
    const r = ConfigFile.safeParse(json);
    if (!r.success) {
      const issue = r.error.issues[0]!;
      throw new ErpConfigError(`${source}: ${issue.path.length ? issue.path.join('.') : '(top)'}: ${issue.message}`);
    }
    return new ErpConfig(
      r.data.map((e) => ({
        type: e.type,
        category: e.categorie,
        startDelta: e.Timestamp1,
        endDelta: e.Timestamp2,
        threshold: e.Seuil,
        riskLevel: e.riskLevel ?? DEFAULT_RULE.riskLevel,
      })),
    );
  }

  /** The built-in rules when no erp_config.json is given: DEFAULT for every venue. */
  static builtIn(): ErpConfig {
    return new ErpConfig([DEFAULT_RULE]);
  }
}
