import { readFileSync } from 'node:fs';
import bcrypt from 'bcryptjs';

/** The seed's users (user_db.py), used when no --users file is given. */
const DEFAULT_USERS: ReadonlyArray<readonly [string, string]> = [
  ['alice', 'p1'],
  ['bob', 'p2'],
  ['cam', 'p3'],
];

/** bcrypt cost for hashes made at start-up (plain passwords in a file, the defaults). */
export const BCRYPT_COST = 8;

/** A bad users file: names the file and line. */
export class UsersFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsersFileError';
  }
}

/**
 * Usernames and bcrypt hashes; passwords are never kept.
 *
 * Why bcrypt: the seed stores `bcrypt.hashpw(password, gensalt())`. bcryptjs is pure
 * JavaScript (no native build in the images); its async compare yields to the event loop,
 * so a login does not stall every other client.
 */
export class UserDb {
  private constructor(private readonly hashes: ReadonlyMap<string, string>) {}

  /** The seed's alice/p1, bob/p2, cam/p3, hashed now. */
  static defaults(): UserDb {
    return UserDb.fromPairs(DEFAULT_USERS);
  }

  /** Pairs of (username, password or `$2…` bcrypt hash). */
  static fromPairs(pairs: Iterable<readonly [string, string]>): UserDb {
    const m = new Map<string, string>();
    for (const [u, p] of pairs) m.set(u, isBcryptHash(p) ? p : bcrypt.hashSync(p, BCRYPT_COST));
    return new UserDb(m);
  }

  /**
   * A file of `username password` lines (the password in clear, or a bcrypt hash `$2a$…`,
   * `$2b$…`); `#` comments and blank lines are skipped.
   */
  static load(file: string): UserDb {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new UsersFileError(`${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    const pairs: Array<[string, string]> = [];
    text.split('\n').forEach((raw, i) => {
      const line = raw.trim();
      if (line === '' || line.startsWith('#')) return;
      const m = /^(\S+)\s+(\S+)$/.exec(line);
      if (!m) throw new UsersFileError(`${file}:${i + 1}: expected "username password", got ${JSON.stringify(raw)}`);
      pairs.push([m[1]!, m[2]!]);
    });
    if (pairs.length === 0) throw new UsersFileError(`${file}: no users`);
    return UserDb.fromPairs(pairs);
  }

  get size(): number {
    return this.hashes.size;
  }

  /** Whether the password is the user's; false for an unknown user (after the same work). */
  async check(username: string, password: string): Promise<boolean> {
    const hash = this.hashes.get(username);
    if (hash === undefined) {
      await bcrypt.compare(password, UNKNOWN_USER_HASH);
      return false;
    }
    return bcrypt.compare(password, hash);
  }
}

function isBcryptHash(s: string): boolean {
  return /^\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}$/.test(s);
}

// Compared against for unknown users, so a wrong username costs as long as a wrong password.
const UNKNOWN_USER_HASH = bcrypt.hashSync('not a password', BCRYPT_COST);
