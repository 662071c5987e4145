import { printable, type DecodedMessage, type StreamDecoder } from './decoded-message.js';

/** True when a stream starts like one JSON object per line (chat and BlueTrace TCP). */
export function looksLikeJsonLines(first: Buffer): boolean {
  return first.length > 0 && first[0] === 0x7b;
}

/**
 * Newline-delimited JSON frames, named by their type field: chat (seed 001) uses `t`
 * (login, msg, rdm, upd, ok, err...), BlueTrace (seed 000) uses `type` (login,
 * download_tempid, upload_contact_log, tempid...). A few identifying fields follow.
 */
export function jsonLinesDecoder(): StreamDecoder {
  let rest = '';
  return {
    push(chunk) {
      rest += chunk.toString('utf8');
      const out: DecodedMessage[] = [];
      let i: number;
      while ((i = rest.indexOf('\n')) >= 0) {
        const line = rest.slice(0, i).trim();
        rest = rest.slice(i + 1);
        if (line) out.push({ label: nameFrame(line) });
      }
      if (rest.length > 1 << 20) {
      out.push({ label: printable(Buffer.from(rest)) });
      rest = '';
    }
      return out;
    },
  };
}

function nameFrame(line: string): string {
  try {
    const o = JSON.parse(line) as Record<string, unknown>;
    const type = String(o.t ?? o.type ?? 'json');
    const extra = ['username', 'user', 'code', 'reason', 'text', 'tempId', 'received']
      .filter((k) => typeof o[k] === 'string' || typeof o[k] === 'number')
      .map((k) => `${k}=${String(o[k]).slice(0, 24)}`);
    if (Array.isArray(o.entries)) extra.push(`${o.entries.length} entries`);
    return [type, ...extra.slice(0, 2)].join(' ');
  } catch {
    return printable(Buffer.from(line));
  }
}
