import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

/**
 * SHA-256 of a whole file, streamed.
 *
 * Why: the transfer's end-to-end check; streaming keeps memory flat for big files.
 */
export async function sha256File(file: string): Promise<Buffer> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest();
}
