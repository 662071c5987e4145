import { LineDecoder } from '../common/line-decoder.js';
import { decodePdu, PduError, type Pdu } from './pdu.js';

/** The longest PDU line accepted (bytes, without the newline). */
const MAX_PDU_BYTES = 16 * 1024;

/**
 * Stream bytes in, PDUs (or the reason a line is not one) out, holding at most
 * MAX_PDU_BYTES of a partial line.
 *
 * Why: QUIC streams, like TCP, have no message boundaries; the original read one PDU per
 * stream read. A longer line throws FrameTooLongError (from LineDecoder): the peer is
 * broken or hostile and its connection is closed, so no peer can make us buffer more.
 */
export class PduFramer {
  private readonly lines: LineDecoder;

  constructor(maxBytes: number = MAX_PDU_BYTES) {
    this.lines = new LineDecoder(maxBytes);
  }

  push(chunk: Buffer): Array<Pdu | PduError> {
    return this.lines.push(chunk).filter((l) => l.trim() !== '').map((l) => {
      try {
        return decodePdu(l);
      } catch (e) {
        if (e instanceof PduError) return e;
        throw e;
      }
    });
  }

  /** Bytes of a partial PDU held back. */
  get buffered(): number {
    return this.lines.buffered;
  }
}
