import { createCipheriv, createDecipheriv, randomBytes, scryptSync } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';

const MAGIC = Buffer.from('TACW1');

/** A file we cannot read back: wrong key, or changed by someone else. */
export class EncryptedFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EncryptedFileError';
  }
}

/**
 * A JSON document kept encrypted at rest with AES-256-GCM (MAGIC, 16-byte scrypt salt,
 * 12-byte IV, 16-byte tag, ciphertext), written atomically.
 *
 * Why: the seed requires the visitor's list to be encrypted on the device (PU3: someone
 * holding the phone must not read which venues it visited). The key comes from a
 * passphrase (TACW_PHONE_PASSPHRASE) or, standing in for a phone's keystore, from a random
 * key file created beside it with mode 0600.
 */
export class EncryptedFile<T> {
  constructor(
    private readonly path: string,
    private readonly secret: { passphrase: string } | { keyFile: string },
  ) {}

  private key(salt: Buffer): Buffer {
    if ('passphrase' in this.secret) return scryptSync(this.secret.passphrase, salt, 32);
    const f = this.secret.keyFile;
    if (!existsSync(f)) {
      writeFileSync(f, randomBytes(32).toString('base64') + '\n', { mode: 0o600 });
      chmodSync(f, 0o600);
    }
    const k = Buffer.from(readFileSync(f, 'utf8').trim(), 'base64');
    if (k.length !== 32) throw new EncryptedFileError(`${f} does not hold a 32-byte key`);
    return k;
  }

  /** The document, or `empty` when the file does not exist yet. */
  read(empty: T): T {
    if (!existsSync(this.path)) return empty;
    const b = readFileSync(this.path);
    if (b.length < MAGIC.length + 44 || !b.subarray(0, MAGIC.length).equals(MAGIC)) throw new EncryptedFileError(`${this.path} is not an encrypted TAC-W file`);
    let o = MAGIC.length;
    const salt = b.subarray(o, (o += 16));
    const iv = b.subarray(o, (o += 12));
    const tag = b.subarray(o, (o += 16));
    try {
      const d = createDecipheriv('aes-256-gcm', this.key(salt), iv);
      d.setAuthTag(tag);
      return JSON.parse(Buffer.concat([d.update(b.subarray(o)), d.final()]).toString('utf8')) as T;
    } catch (e) {
      if (e instanceof EncryptedFileError) throw e;
      throw new EncryptedFileError(`${this.path} cannot be decrypted (wrong key, or the file was changed)`);
    }
  }

  write(doc: T): void {
    const salt = randomBytes(16);
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', this.key(salt), iv);
    const body = Buffer.concat([c.update(JSON.stringify(doc), 'utf8'), c.final()]);
    const tmp = `${this.path}.tmp`;
    writeFileSync(tmp, Buffer.concat([MAGIC, salt, iv, c.getAuthTag(), body]), { mode: 0o600 });
    renameSync(tmp, this.path);
  }
}
