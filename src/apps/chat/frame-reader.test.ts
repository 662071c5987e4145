import { describe, expect, it } from 'vitest';
import { encodeFrame, FrameReader } from './frame-reader.js';

describe('FrameReader', () => {
  it('reassembles frames however the bytes are split', () => {
    const wire = Buffer.concat([encodeFrame('msg', { id: 1, text: 'héllo\nworld' }), encodeFrame('atu', { id: 2 })]);
    for (let cut = 0; cut <= wire.length; cut++) {
      const r = new FrameReader();
      const evs = [...r.push(wire.subarray(0, cut)), ...r.push(wire.subarray(cut))];
      expect(evs).toEqual([
        { kind: 'frame', frame: { v: 1, t: 'msg', id: 1, text: 'héllo\nworld' } },
        { kind: 'frame', frame: { v: 1, t: 'atu', id: 2 } },
      ]);
    }
  });

  it('reports bad frames and keeps going; skips blank lines', () => {
    const r = new FrameReader();
    const evs = r.push(Buffer.from('nope\n\n"str"\n{"t":"x"}\n{"v":1}\n{"v":1,"t":"ok"}\n'));
    expect(evs.map((e) => e.kind)).toEqual(['bad-frame', 'bad-frame', 'bad-frame', 'bad-frame', 'frame']);
    expect(evs[2]).toMatchObject({ reason: expect.stringContaining('unsupported protocol version') });
  });

  it('declares an oversized frame once and then stops reading', () => {
    const r = new FrameReader(16);
    expect(r.push(Buffer.from('{"v":1,"t":"aaaaaaaaaaaaaaaa"}\n'))).toEqual([{ kind: 'too-long', limit: 16 }]);
    expect(r.push(Buffer.from('{"v":1,"t":"a"}\n'))).toEqual([]);
  });

  it('refuses to encode a frame over the limit', () => {
    expect(() => encodeFrame('msg', { text: 'x'.repeat(100) }, 50)).toThrow(RangeError);
  });
});
