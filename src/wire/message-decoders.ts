import { decodeBeaconDatagram } from './bluetrace-decoder.js';
import { decodeChatPeerDatagram } from './chat-peer-decoder.js';
import { crchatStreamDecoder, decodeCrchatDatagram, looksLikeCrchatStream } from './crchat-decoder.js';
import { printable, type DecodedMessage, type StreamDecoder } from './decoded-message.js';
import { jsonLinesDecoder, looksLikeJsonLines } from './json-lines-decoder.js';
import { decodeQuicLongHeader, decodeQuicShortHeader } from './quic-decoder.js';

/**
 * Name one UDP datagram: the first decoder that knows it, else its first printable bytes.
 * `quicFlow`: the datagram's flow has carried a QUIC long header already, so a short-header
 * packet (whose first byte could be any letter) is read as QUIC too.
 */
export function decodeDatagram(payload: Buffer, quicFlow = false): DecodedMessage {
  return (
    decodeCrchatDatagram(payload) ??
    decodeChatPeerDatagram(payload) ??
    decodeBeaconDatagram(payload) ??
    decodeQuicLongHeader(payload) ??
    (quicFlow ? decodeQuicShortHeader(payload) : undefined) ?? { label: printable(payload), group: 'raw' }
  );
}

/**
 * A decoder for both directions of a TCP connection, chosen from the client's first bytes
 * (or the server's, when the client never sent any): crchat frames, JSON lines, or, for a
 * protocol no decoder knows, each segment's first printable bytes.
 */
export function streamDecodersFor(first: Buffer | undefined): { c2s: StreamDecoder; s2c: StreamDecoder } {
  if (first && looksLikeCrchatStream(first)) return { c2s: crchatStreamDecoder('client'), s2c: crchatStreamDecoder('server') };
  if (first && looksLikeJsonLines(first)) return { c2s: jsonLinesDecoder(), s2c: jsonLinesDecoder() };
  return { c2s: rawDecoder(), s2c: rawDecoder() };
}

function rawDecoder(): StreamDecoder {
  return { push: (chunk) => [{ label: printable(chunk), group: 'bytes' }] };
}
