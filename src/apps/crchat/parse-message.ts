import { FIELDS, MessageSyntaxError, validField } from './encode-message.js';
import type { Message, MessageType } from './message.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });
const NUMERIC = new Set(['session', 'port', 'count']);

/**
 * Read one payload as a message, or throw MessageSyntaxError.
 *
 * Why strict: the payload comes from the network; invalid UTF-8, unknown types, missing or
 * extra fields and out-of-range numbers are all refused here, so handlers never see them.
 * `allowed`, when given, limits the accepted types (e.g. the server's UDP port only takes
 * HELLO and RESPONSE).
 */
export function parseMessage(payload: Buffer, allowed?: ReadonlySet<MessageType>): Message {
  let line: string;
  try {
    line = utf8.decode(payload);
  } catch {
    throw new MessageSyntaxError('not UTF-8');
  }
  const sp = line.indexOf(' ');
  const type = (sp < 0 ? line : line.slice(0, sp)) as MessageType;
  let rest: string | null = sp < 0 ? null : line.slice(sp + 1);
  if (!Object.hasOwn(FIELDS, type)) throw new MessageSyntaxError('unknown message type');
  if (allowed && !allowed.has(type)) throw new MessageSyntaxError(`${type} not accepted here`);
  const out: Record<string, string | number> = { type };
  for (const [name, kind] of FIELDS[type]) {
    if (rest === null) throw new MessageSyntaxError(`${type}: missing ${name}`);
    let value: string;
    if (kind === 'text') {
      value = rest;
      rest = null;
    } else {
      const j = rest.indexOf(' ');
      value = j < 0 ? rest : rest.slice(0, j);
      rest = j < 0 ? null : rest.slice(j + 1);
    }
    if (!validField(kind, value)) throw new MessageSyntaxError(`${type}: bad ${name}`);
    out[name] = NUMERIC.has(kind) ? Number(value) : value;
  }
  if (rest !== null) throw new MessageSyntaxError(`${type}: trailing data`);
  return out as unknown as Message;
}
