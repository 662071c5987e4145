import { createHash, randomInt } from 'node:crypto';

/** The largest salt a phone may choose; the server stores one token per salt 1..MAX_SALT. */
export const MAX_SALT = 1000;

/**
 * The visit token a phone sends in a status request: hex SHA-256 of the UTF-8 text
 * `String(salt) + uuid`, e.g. sha256("971" + "0b1a...").
 *
 * Why no time in the hash (the seed's earlier form hashed salt|uuid|time): the real service
 * dropped it, the time travels beside the token so the server can match intervals in SQL,
 * and storage stays MAX_SALT rows per reported visit instead of 3 × MAX_SALT.
 */
export function visitToken(salt: number, uuid: string): string {
  return createHash('sha256').update(`${salt}${uuid}`, 'utf8').digest('hex');
}

/** A salt drawn uniformly from 1..max (inclusive), chosen once per scan by the phone. */
export function randomSalt(max: number = MAX_SALT): number {
  return randomInt(1, max + 1);
}

/** 64 lower- or upper-case hex digits: the only payload shape a status request may carry. */
export const TOKEN_HEX = /^[0-9a-fA-F]{64}$/;
