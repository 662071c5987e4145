import { describe, expect, it } from 'vitest';
import { FrameTooLongError } from '../common/line-decoder.js';
import { decodePdu, encodePdu, MType, PduError } from './pdu.js';
import { PduFramer } from './pdu-framer.js';

describe('PDU codec', () => {
  it('encodes the original shape: {version, mtype, msg (JSON text), sz}, one line', () => {
    const line = encodePdu(MType.ONE_TO_ONE, { to: 2, text: 'hé\nllo' }).toString();
    expect(line.endsWith('\n')).toBe(true);
    expect(line.slice(0, -1)).not.toContain('\n');
    const o = JSON.parse(line);
    expect(o).toEqual({ version: 1, mtype: 0x30, msg: '{"to":2,"text":"hé\\nllo"}', sz: Buffer.byteLength('{"to":2,"text":"hé\\nllo"}') });
    expect(decodePdu(line.trim())).toEqual({ version: 1, mtype: 0x30, body: { to: 2, text: 'hé\nllo' } });
  });

  it.each([
    ['not json', 'not JSON'],
    ['[1,2]', 'not a JSON object'],
    ['{"version":"1","mtype":16,"msg":"{}"}', 'version'],
    ['{"version":1,"mtype":127,"msg":"{}"}', 'unknown mtype'],
    ['{"version":1,"mtype":16,"msg":{}}', 'msg is not a string'],
    ['{"version":1,"mtype":16,"msg":"{}","sz":5}', 'sz'],
    ['{"version":1,"mtype":16,"msg":"{oops"}', 'msg is not JSON'],
    ['{"version":1,"mtype":16,"msg":"[]"}', 'msg is not a JSON object'],
  ])('rejects %s', (line, why) => {
    expect(() => decodePdu(line)).toThrow(PduError);
    expect(() => decodePdu(line)).toThrow(why);
  });

  it('accepts a PDU without sz and an empty msg', () => {
    expect(decodePdu('{"version":1,"mtype":32,"msg":""}')).toEqual({ version: 1, mtype: 0x20, body: {} });
  });
});

describe('PduFramer', () => {
  it('reassembles PDUs split anywhere and reports bad lines in place', () => {
    const f = new PduFramer();
    const bytes = Buffer.concat([encodePdu(MType.ALIVE, {}), Buffer.from('garbage\n'), encodePdu(MType.LOGOUT, {})]);
    const out = [];
    for (let i = 0; i < bytes.length; i += 7) out.push(...f.push(bytes.subarray(i, i + 7)));
    expect(out.map((p) => (p instanceof PduError ? 'error' : p.mtype))).toEqual([MType.ALIVE, 'error', MType.LOGOUT]);
    expect(f.buffered).toBe(0);
  });

  it('caps a line: more than the limit without a newline throws FrameTooLongError', () => {
    const f = new PduFramer(100);
    expect(() => f.push(Buffer.alloc(60, 0x61))).not.toThrow();
    expect(() => f.push(Buffer.alloc(60, 0x61))).toThrow(FrameTooLongError);
  });
});
