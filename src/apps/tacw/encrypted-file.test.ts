import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EncryptedFile, EncryptedFileError } from './encrypted-file.js';

describe('EncryptedFile', () => {
  const dirs: string[] = [];
  const dir = () => {
    const d = mkdtempSync(path.join(tmpdir(), 'tacw-enc-'));
    dirs.push(d);
    return d;
  };
  afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
  const secret = 'venue-d6d7f0a2-5c3e-4c7b-9a41-2b8e6f0c9d13';

  it('reads back what it wrote, with the plain text nowhere in the file', () => {
    const d = dir();
    const f = new EncryptedFile<string[]>(path.join(d, 'v.enc'), { keyFile: path.join(d, 'k') });
    expect(f.read([])).toEqual([]);
    f.write([secret]);
    expect(f.read([])).toEqual([secret]);
    expect(readFileSync(path.join(d, 'v.enc')).includes(Buffer.from('d6d7f0a2'))).toBe(false);
    expect(statSync(path.join(d, 'k')).mode & 0o777).toBe(0o600);
  });
  it('refuses the wrong passphrase and a changed file', () => {
    const d = dir();
    const p = path.join(d, 'v.enc');
    new EncryptedFile<string[]>(p, { passphrase: 'right' }).write([secret]);
    expect(new EncryptedFile<string[]>(p, { passphrase: 'right' }).read([])).toEqual([secret]);
    expect(() => new EncryptedFile<string[]>(p, { passphrase: 'wrong' }).read([])).toThrow(EncryptedFileError);
    const b = readFileSync(p);
    b[b.length - 1] ^= 1;
    writeFileSync(p, b);
    expect(() => new EncryptedFile<string[]>(p, { passphrase: 'right' }).read([])).toThrow(/cannot be decrypted/);
  });
});
