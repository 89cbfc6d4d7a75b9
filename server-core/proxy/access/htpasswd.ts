// htpasswd files for nginx `auth_basic_user_file`: `user:hash[:comment]` per line, `#` comments.
// Hash formats served (what `htpasswd` from apache2-utils writes, minus the weak ones):
//   bcrypt `$2y$`/`$2b$`/`$2a$` (htpasswd -B), `$apr1$` MD5-crypt (htpasswd -m, openssl passwd -apr1),
//   `{SHA}` base-64 SHA-1 (htpasswd -s), `{SSHA}` salted SHA-1 (slappasswd).
// Plain text and crypt(3) entries (DES, `$1$`, `$5$`, `$6$`) are refused with a message saying how
// to re-create the entry: nginx would hand those to the platform's crypt(), which differs by OS.
// Users and passwords are bytes, compared and hashed as nginx does (basic-auth.ts): the file is read
// as bytes, a user is kept as one latin1 character per byte, every hash takes the password's bytes.
import { createHash, timingSafeEqual } from 'node:crypto';
import { apr1Hash, apr1Salt } from './apr1.js';
import { bcryptVerify } from './bcrypt-bytes.js';

export type HashKind = 'bcrypt' | 'apr1' | 'sha' | 'ssha';

export interface HtpasswdEntry {
  /** The user name's bytes as latin1 characters. */
  user: string;
  kind: HashKind;
  hash: string;
}

export interface HtpasswdFile {
  readonly entries: ReadonlyMap<string, HtpasswdEntry>;
  /** One message per refused line, naming the line and user. */
  readonly problems: readonly string[];
}

const BCRYPT = /^\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}$/;

export function classifyHash(hash: string): HashKind | string {
  if (BCRYPT.test(hash)) return 'bcrypt';
  if (hash.startsWith('$apr1$')) return apr1Salt(hash) !== null ? 'apr1' : 'a malformed $apr1$ hash';
  if (hash.startsWith('{SHA}')) return /^\{SHA\}[A-Za-z0-9+/]{27}=$/.test(hash) ? 'sha' : 'a malformed {SHA} hash';
  if (hash.startsWith('{SSHA}')) return Buffer.from(hash.slice(6), 'base64').length > 20 ? 'ssha' : 'a malformed {SSHA} hash';
  if (hash.startsWith('$2')) return 'a malformed bcrypt hash';
  if (hash.startsWith('{PLAIN}')) return 'a plain-text password';
  if (/^\$[156]\$/.test(hash)) return `a crypt(3) ${hash.slice(0, 3)} hash`;
  if (/^[./0-9A-Za-z]{13}$/.test(hash)) return 'a crypt(3) DES hash (or a plain-text password)';
  return 'a plain-text password (or an unknown hash format)';
}

/** `path` only labels the messages. */
export function parseHtpasswd(bytes: Buffer, path: string): HtpasswdFile {
  const entries = new Map<string, HtpasswdEntry>();
  const problems: string[] = [];
  bytes.toString('latin1').split(/\r?\n/).forEach((raw, i) => {
    // ASCII blanks only: String#trim would also take a 0xA0 byte (NBSP in latin1) off a name.
    const line = raw.replace(/^[ \t]+|[ \t]+$/g, '');
    if (line === '' || line.startsWith('#')) return;
    const colon = line.indexOf(':');
    if (colon <= 0) {
      problems.push(`${path} line ${i + 1}: expected "user:hash"`);
      return;
    }
    const user = line.slice(0, colon);
    const rest = line.slice(colon + 1);
    const end = rest.indexOf(':');
    const hash = end === -1 ? rest : rest.slice(0, end);
    const kind = classifyHash(hash);
    if (kind !== 'bcrypt' && kind !== 'apr1' && kind !== 'sha' && kind !== 'ssha') {
      const shown = Buffer.from(user, 'latin1').toString('utf8');
      problems.push(`${path} line ${i + 1} (user "${shown}"): ${kind} is not accepted; re-create the entry with "htpasswd -B ${path} ${shown}" (bcrypt)`);
      return;
    }
    // nginx reads the file top to bottom and stops at the first line for the user.
    if (!entries.has(user)) entries.set(user, { user, kind, hash });
  });
  return { entries, problems };
}

function sameBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** `password`: its bytes as the client sent them. */
export async function verifyPassword(entry: HtpasswdEntry, password: Buffer): Promise<boolean> {
  switch (entry.kind) {
    case 'bcrypt':
      // `$2y$` (PHP/Apache) is `$2b$`: same algorithm, different label.
      return bcryptVerify(password, entry.hash);
    case 'apr1': {
      const salt = apr1Salt(entry.hash) ?? '';
      return sameBytes(Buffer.from(apr1Hash(password, salt)), Buffer.from(entry.hash));
    }
    case 'sha': {
      const digest = createHash('sha1').update(password).digest();
      return sameBytes(digest, Buffer.from(entry.hash.slice(5), 'base64'));
    }
    case 'ssha': {
      const raw = Buffer.from(entry.hash.slice(6), 'base64');
      const digest = createHash('sha1').update(password).update(raw.subarray(20)).digest();
      return sameBytes(digest, raw.subarray(0, 20));
    }
  }
}
