import { FrameTooLongError, LineDecoder } from '../common/line-decoder.js';
import { CHAT_LIMITS } from './chat-limits.js';

/** One decoded TCP frame: a JSON object with a version `v` and a type `t`. */
export type ChatFrame = { v: number; t: string } & Record<string, unknown>;

/** What the reader produced for one line of input. */
export type FrameEvent =
  | { kind: 'frame'; frame: ChatFrame }
  | { kind: 'bad-frame'; reason: string }
  | { kind: 'too-long'; limit: number };

/**
 * Turns a byte stream into chat frames: newline-delimited JSON, one object per line.
 *
 * Why: the framer is the bottom layer; it never throws, it reports. A bad line is a
 * `bad-frame` event (the connection can go on); an oversized line is `too-long`, after
 * which the reader is dead because the rest of that line cannot be trusted.
 */
export class FrameReader {
  private readonly lines: LineDecoder;
  private dead = false;

  constructor(readonly maxFrameBytes: number = CHAT_LIMITS.maxFrameBytes) {
    this.lines = new LineDecoder(maxFrameBytes);
  }

  push(chunk: Buffer): FrameEvent[] {
    if (this.dead) return [];
    let lines: string[];
    try {
      lines = this.lines.push(chunk);
    } catch (err) {
      if (!(err instanceof FrameTooLongError)) throw err;
      this.dead = true;
      return [{ kind: 'too-long', limit: err.limit }];
    }
    return lines.filter((line) => line.trim() !== '').map(decodeFrame);
  }
}

/** Parse one line into a frame event. */
function decodeFrame(line: string): FrameEvent {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return { kind: 'bad-frame', reason: 'frame is not valid JSON' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { kind: 'bad-frame', reason: 'frame is not a JSON object' };
  }
  const obj = value as Record<string, unknown>;
  if (obj.v !== CHAT_LIMITS.protocolVersion) {
    return { kind: 'bad-frame', reason: `unsupported protocol version ${JSON.stringify(obj.v)} (this is version ${CHAT_LIMITS.protocolVersion})` };
  }
  if (typeof obj.t !== 'string' || obj.t === '') return { kind: 'bad-frame', reason: 'frame has no type "t"' };
  return { kind: 'frame', frame: obj as ChatFrame };
}

/** Serialise a frame (version added) as one line. Throws if it would exceed the frame limit. */
export function encodeFrame(t: string, fields: Record<string, unknown> = {}, maxFrameBytes: number = CHAT_LIMITS.maxFrameBytes): Buffer {
  const text = JSON.stringify({ v: CHAT_LIMITS.protocolVersion, t, ...fields });
  const buf = Buffer.from(`${text}\n`, 'utf8');
  if (buf.length - 1 > maxFrameBytes) throw new RangeError(`frame of ${buf.length - 1} bytes exceeds ${maxFrameBytes}`);
  return buf;
}
