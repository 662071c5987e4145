import * as fs from 'node:fs';
import { writeFileAtomic } from './write-file-atomic.js';

/**
 * The accounts from credentials.txt (`username password` per line), kept in memory and
 * written back atomically when someone registers or changes a password.
 *
 * Why: registration and password change (the seed's "Improvements") must survive a
 * server restart, and a crash mid-write must never leave a truncated credentials file.
 */
export class CredentialStore {
  private readonly users = new Map<string, string>();

  /** `file` undefined keeps everything in memory (tests, benches). */
  constructor(private readonly file?: string) {}

  /** Parse credentials text; blank lines and lines without two tokens are skipped. */
  static parse(text: string, file?: string): CredentialStore {
    const store = new CredentialStore(file);
    for (const line of text.split(/\r?\n/)) {
      const [name, password] = line.trim().split(/\s+/);
      if (name && password) store.users.set(name, password);
    }
    return store;
  }

  /** Load from a file; a missing file yields an empty store that will create it on first change. */
  static load(file: string): { store: CredentialStore; missing: boolean } {
    if (!fs.existsSync(file)) return { store: new CredentialStore(file), missing: true };
    return { store: CredentialStore.parse(fs.readFileSync(file, 'utf8'), file), missing: false };
  }

  has(name: string): boolean {
    return this.users.has(name);
  }

  verify(name: string, password: string): boolean {
    return this.users.get(name) === password;
  }

  /** Add a new account; false if the name is taken. */
  register(name: string, password: string): boolean {
    if (this.users.has(name)) return false;
    this.users.set(name, password);
    this.save();
    return true;
  }

  setPassword(name: string, password: string): void {
    this.users.set(name, password);
    this.save();
  }

  get size(): number {
    return this.users.size;
  }

  render(): string {
    return [...this.users].map(([n, p]) => `${n} ${p}\n`).join('');
  }

  private save(): void {
    if (this.file) writeFileAtomic(this.file, this.render());
  }
}
