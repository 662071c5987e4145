import { describe, expect, it } from 'vitest';
import { duplexPair } from './duplex-pair.js';

const collect = (s: NodeJS.ReadableStream): Promise<string> =>
  new Promise((resolve) => {
    let text = '';
    s.on('data', (c: Buffer) => (text += c.toString()));
    s.on('end', () => resolve(text));
  });

describe('duplexPair', () => {
  it('carries bytes both ways, never inside the writer’s call stack', async () => {
    const [a, b] = duplexPair();
    const got: string[] = [];
    b.on('data', (c: Buffer) => got.push(c.toString()));
    a.write('hello');
    expect(got).toEqual([]);
    await new Promise((r) => setImmediate(r));
    expect(got).toEqual(['hello']);
  });

  it('half-closes: ending one side ends the other’s reading, and it can still answer', async () => {
    const [a, b] = duplexPair();
    const toB = collect(b);
    const toA = collect(a);
    a.end('question');
    expect(await toB).toBe('question');
    b.end('answer');
    expect(await toA).toBe('answer');
  });

  it('destroying one side closes the other', async () => {
    const [a, b] = duplexPair();
    const closed = new Promise((r) => b.once('close', r));
    a.destroy();
    await closed;
    expect(b.destroyed).toBe(true);
  });
});
