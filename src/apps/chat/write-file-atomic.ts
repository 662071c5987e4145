import * as fs from 'node:fs';
import * as path from 'node:path';

/** The two file operations an atomic write needs; injectable so tests can watch the order. */
export interface AtomicWriteFs {
  writeFileSync(file: string, data: string | Buffer): void;
  renameSync(from: string, to: string): void;
}

let counter = 0;

/**
 * Replace a file's whole content so readers only ever see the old or the new version.
 *
 * Why: the lab (and people) read userlog.txt / messagelog.txt while the server updates
 * them. Writing a temporary file in the same directory and renaming it over the target
 * is atomic on POSIX file systems.
 */
export function writeFileAtomic(file: string, data: string | Buffer, ops: AtomicWriteFs = fs): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${++counter}.tmp`);
  ops.writeFileSync(tmp, data);
  ops.renameSync(tmp, file);
}
