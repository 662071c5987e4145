/**
 * Every crchat protocol message, as a tagged union.
 *
 * Why: one type shared by the codec, both handler tables and the tests, so a message
 * that the parser accepts is exactly one that the handlers can act on.
 * The wire syntax of each is in docs/protocols/crchat.md and in FIELDS (encode-message.ts).
 */
export type Message =
  // UDP, login phase (clear text except SEALED)
  | { type: 'HELLO'; id: string }
  | { type: 'CHALLENGE'; rand: string }
  | { type: 'RESPONSE'; id: string; res: string }
  | { type: 'AUTH_FAIL'; reason: string }
  | { type: 'SEALED'; record: string }
  // inside SEALED (UDP)
  | { type: 'AUTH_SUCCESS'; cookie: string; port: number }
  // TCP: first frame from the client, in clear
  | { type: 'IDENT'; id: string }
  // TCP: everything below travels sealed
  | { type: 'CONNECT'; cookie: string }
  | { type: 'CONNECTED' }
  | { type: 'CHAT_REQUEST'; peer: string }
  | { type: 'CHAT_STARTED'; session: number; peer: string }
  | { type: 'UNREACHABLE'; peer: string }
  | { type: 'END_REQUEST'; session: number }
  | { type: 'END_NOTIF'; session: number }
  | { type: 'CHAT'; session: number; text: string }
  | { type: 'HISTORY_REQ'; peer: string }
  | { type: 'HISTORY_RESP'; session: number; from: string; text: string }
  | { type: 'HISTORY_END'; peer: string; count: number }
  | { type: 'DISCONNECT'; reason: string }
  | { type: 'ERROR'; reason: string };

export type MessageType = Message['type'];

/** Narrow the union to one message type. */
export type MessageOf<T extends MessageType> = Extract<Message, { type: T }>;

/** Client IDs: letters, digits, dot, underscore, dash; 1 to 64 characters. */
export const CLIENT_ID_RE = /^[A-Za-z0-9._-]{1,64}$/;

/** Largest chat message, in UTF-8 bytes. */
export const MAX_TEXT_BYTES = 4096;
