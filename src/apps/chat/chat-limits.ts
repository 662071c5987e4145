/**
 * Protocol version and hard size limits shared by server and client.
 *
 * Why: one place for every number a peer could abuse (frame size, message size,
 * name lengths), so both ends enforce exactly what docs/protocols/chat.md promises.
 */
export const CHAT_LIMITS = {
  /** Version carried in every TCP frame (`"v"`) and every UDP packet header. */
  protocolVersion: 1,
  /** Largest TCP frame in bytes, newline excluded. Longer frames close the connection. */
  maxFrameBytes: 65_536,
  /** Largest message text (MSG, EDT, DM) in UTF-8 bytes. */
  maxMessageBytes: 4_096,
  /** Largest line the client accepts from stdin. */
  maxInputBytes: 8_192,
  /** Usernames: 1..32 of letters, digits, `_ . -`. */
  userNamePattern: /^[A-Za-z0-9_.-]{1,32}$/,
  /** Passwords: 1..64 printable characters without whitespace. */
  passwordPattern: /^[\x21-\x7e]{1,64}$/,
  /** Largest reply lines packed into one frame before a continuation frame is used. */
  maxReplyLinesBytes: 48_000,
  /** Server output buffered for one slow client before it is disconnected. */
  maxPendingOutputBytes: 1_048_576,
} as const;
