import { describe, expect, it } from 'vitest';
import { FrameTooLongError, LineDecoder } from './line-decoder.js';
import { LengthPrefixedDecoder, encodeLengthPrefixed } from './length-prefixed-decoder.js';

describe('LineDecoder', () => {
  it('reassembles lines however the bytes are split', () => {
    const text = Buffer.from('{"a":1}\n{"b":"ü"}\r\nrest');
    for (let cut = 0; cut <= text.length; cut++) {
      const d = new LineDecoder(100);
      const lines = [...d.push(text.subarray(0, cut)), ...d.push(text.subarray(cut))];
      expect(lines).toEqual(['{"a":1}', '{"b":"ü"}']);
      expect(d.buffered).toBe(4);
    }
  });

  it('refuses a frame over the cap even before its newline arrives', () => {
    const d = new LineDecoder(8);
    expect(() => d.push(Buffer.from('123456789'))).toThrow(FrameTooLongError);
    const e = new LineDecoder(8);
    e.push(Buffer.from('1234'));
    expect(() => e.push(Buffer.from('56789\n'))).toThrow(FrameTooLongError);
  });

  it('accepts a frame exactly at the cap', () => {
    const d = new LineDecoder(4);
    expect(d.push(Buffer.from('abcd\n'))).toEqual(['abcd']);
  });
});

describe('LengthPrefixedDecoder', () => {
  it('reassembles frames byte by byte', () => {
    const wire = Buffer.concat([encodeLengthPrefixed(Buffer.from('hello')), encodeLengthPrefixed(Buffer.alloc(0))]);
    const d = new LengthPrefixedDecoder(16);
    const out: Buffer[] = [];
    for (const b of wire) out.push(...d.push(Buffer.from([b])));
    expect(out.map((f) => f.toString())).toEqual(['hello', '']);
  });

  it('refuses an oversized length header', () => {
    const d = new LengthPrefixedDecoder(4);
    expect(() => d.push(encodeLengthPrefixed(Buffer.alloc(5)))).toThrow(FrameTooLongError);
  });
});
