/**
 * The whole number `text` spells (digits only, no sign or spaces) if it lies in lo..hi,
 * else undefined.
 *
 * Why: chat's command line and its CHAT_UDP_* variables all take bounded whole numbers
 * and reject anything looser (such as "1e3" or " 80") that Number() would accept.
 */
export const intInRange = (text: string | undefined, lo: number, hi: number): number | undefined =>
  text !== undefined && /^\d+$/.test(text) && Number(text) >= lo && Number(text) <= hi ? Number(text) : undefined;
