// Backups and restores of the SQLite database: SQLite's online backup (consistent while a collector
// serves and writes), a check that a file is a tiebreak database this code can open, and a restore
// that never replaces a database a running collector has open.
import { chmodSync, chownSync, existsSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { MIGRATIONS } from './migrations.ts';

export class BackupError extends Error {}

/** The newest migration this code knows: a database past it was made by a newer tiebreak. */
export const KNOWN_VERSION = Math.max(...MIGRATIONS.map((m) => m.version));

/** Tables every tiebreak database has had since its first migration. */
const CORE_TABLES = ['schema_migrations', 'meta', 'hosts', 'catalogue', 'enrolment_tokens'];

export interface DatabaseFacts {
  file: string;
  bytes: number;
  /** The highest migration applied. */
  version: number;
  hosts: number;
}

/**
 * What a file is, if it is a tiebreak database this code can use; a BackupError that says why not
 * otherwise (not SQLite, damaged, another program's, made by a newer tiebreak).
 */
export function inspectDatabase(file: string): DatabaseFacts {
  if (!existsSync(file)) throw new BackupError(`${file}: no such file`);
  if (!statSync(file).isFile()) throw new BackupError(`${file}: not a file`);
  let db: Database.Database;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
  } catch (error) {
    throw new BackupError(`${file}: cannot open: ${(error as Error).message}`);
  }
  try {
    let tables: string[];
    try {
      tables = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table'").pluck().all() as string[];
    } catch (error) {
      throw new BackupError(`${file}: not an SQLite database (${(error as Error).message})`);
    }
    const missing = CORE_TABLES.filter((t) => !tables.includes(t));
    if (missing.length) throw new BackupError(`${file}: not a tiebreak database (no table ${missing.join(', ')})`);
    const check = db.pragma('quick_check', { simple: true }) as string;
    if (check !== 'ok') throw new BackupError(`${file}: the database is damaged (${check})`);
    const version = (db.prepare('SELECT max(version) FROM schema_migrations').pluck().get() as number | null) ?? 0;
    if (version > KNOWN_VERSION)
      throw new BackupError(
        `${file}: made by a newer tiebreak (database migration ${version}, this version knows up to ${KNOWN_VERSION}): install that version or a later one to use it`,
      );
    if (version < 1) throw new BackupError(`${file}: not a tiebreak database (no migration applied)`);
    const hosts = db.prepare('SELECT count(*) FROM hosts').pluck().get() as number;
    return { file, bytes: statSync(file).size, version, hosts };
  } finally {
    db.close();
  }
}

/**
 * Whether another connection has the database open (a running collector): in WAL mode every open
 * connection holds a shared lock on the file, so an exclusive lock cannot be had while one does.
 */
export function databaseInUse(file: string): boolean {
  if (!existsSync(file)) return false;
  const db = new Database(file, { fileMustExist: true, timeout: 0 });
  try {
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE');
    db.exec('COMMIT');
    return false;
  } catch (error) {
    if ((error as { code?: string }).code?.startsWith('SQLITE_BUSY') || (error as { code?: string }).code?.startsWith('SQLITE_LOCKED')) return true;
    throw error;
  } finally {
    db.close();
  }
}

/** The same file under two names (a path, a link to it). */
function sameFile(a: string, b: string): boolean {
  if (resolve(a) === resolve(b)) return true;
  try {
    const [x, y] = [statSync(a), statSync(b)];
    return x.dev === y.dev && x.ino === y.ino;
  } catch {
    return false;
  }
}

/** Where a backup goes: the file named, or a dated file in the directory named. */
export function backupTarget(to: string, now = new Date()): string {
  if (existsSync(to) && statSync(to).isDirectory()) return join(to, `tiebreak-${now.toISOString().slice(0, 19).replace(/:/g, '')}Z.db`);
  return to;
}

/**
 * Copy a database with SQLite's online backup, safe while a collector serves: the pages are read in
 * one read transaction (in WAL mode writers go on meanwhile), so the copy is the database as it was
 * at one instant. The copy is written beside its destination and renamed once checked: a failed or
 * interrupted backup leaves no half file under the destination's name.
 */
export async function backupDatabase(source: string, to: string): Promise<DatabaseFacts> {
  inspectDatabase(source);
  const out = backupTarget(to);
  if (sameFile(source, out)) throw new BackupError(`${out} is the database itself: back it up to another file`);
  if (!existsSync(dirname(out))) throw new BackupError(`${dirname(out)}: no such directory`);
  const partial = join(dirname(out), `.${basename(out)}.partial-${process.pid}`);
  const db = new Database(source, { fileMustExist: true, timeout: 5000 });
  try {
    // The first step only counts the pages; the second copies them all at once (see above).
    await db.backup(partial, { progress: () => 0x7fffffff });
    // One self-contained file (no -wal beside it), readable by its owner only: it holds password
    // hashes and the agents' credentials' hashes.
    const copy = new Database(partial, { fileMustExist: true });
    copy.pragma('journal_mode = DELETE');
    copy.close();
    chmodSync(partial, 0o600);
    const facts = inspectDatabase(partial);
    renameSync(partial, out);
    return { ...facts, file: out };
  } catch (error) {
    rmSync(partial, { force: true });
    rmSync(`${partial}-journal`, { force: true });
    if (error instanceof BackupError) throw error;
    throw new BackupError(`backup of ${source} to ${out} failed: ${(error as Error).message}`);
  } finally {
    db.close();
  }
}

export interface RestoreResult extends DatabaseFacts {
  /** The backup's migration is older: the collector upgrades it as it starts. */
  upgradeFrom: number | null;
}

/**
 * Put a backup in place of a database: checked first (a tiebreak database this code can open), never
 * over a database a running collector has open, over an existing one only with force. Written beside
 * the destination and renamed, with the old database's journal removed (it belongs to the old one),
 * and the old file's owner and mode kept.
 */
export async function restoreDatabase(from: string, dbFile: string, options: { force?: boolean } = {}): Promise<RestoreResult> {
  const facts = inspectDatabase(from);
  if (sameFile(from, dbFile)) throw new BackupError(`${from} is the database itself: nothing to restore`);
  const exists = existsSync(dbFile);
  if (exists && databaseInUse(dbFile))
    throw new BackupError(`${dbFile} is open in a running collector: stop it first (systemctl stop tiebreak-collector), then restore`);
  if (exists && !options.force) throw new BackupError(`${dbFile} exists: add --force to replace it with ${from}`);
  if (!existsSync(dirname(dbFile))) throw new BackupError(`${dirname(dbFile)}: no such directory`);
  const partial = join(dirname(dbFile), `.${basename(dbFile)}.restore-${process.pid}`);
  const source = new Database(from, { readonly: true, fileMustExist: true });
  try {
    await source.backup(partial, { progress: () => 0x7fffffff });
    const copy = new Database(partial, { fileMustExist: true });
    copy.pragma('journal_mode = WAL');
    copy.close();
    if (exists) {
      const old = statSync(dbFile);
      chmodSync(partial, old.mode & 0o777);
      if (process.getuid?.() === 0) chownSync(partial, old.uid, old.gid);
    } else chmodSync(partial, 0o600);
    // Checked again just before the swap: a collector started meanwhile keeps its database.
    if (exists && databaseInUse(dbFile)) throw new BackupError(`${dbFile} is open in a running collector: stop it first, then restore`);
    for (const suffix of ['-wal', '-shm']) rmSync(`${dbFile}${suffix}`, { force: true });
    renameSync(partial, dbFile);
  } catch (error) {
    rmSync(partial, { force: true });
    for (const suffix of ['-wal', '-shm', '-journal']) rmSync(`${partial}${suffix}`, { force: true });
    if (error instanceof BackupError) throw error;
    throw new BackupError(`restore of ${from} to ${dbFile} failed: ${(error as Error).message}`);
  } finally {
    source.close();
  }
  return { ...facts, file: dbFile, upgradeFrom: facts.version < KNOWN_VERSION ? facts.version : null };
}
