// Whether local accounts may log in: TIEBREAK_LOCAL_LOGIN=off (accounts/directory-config.ts) forces
// them off; otherwise an admin switches them on the settings page, a choice kept in the database's
// meta table so that every collector process on it (PostgreSQL, serve --workers) follows it at once.
import { DomainError } from '../errors.ts';
import { getMeta, setMeta, type Db } from '../store/db.ts';
import type { DirectoryConfig } from './directory-config.ts';
import { endLocalSessions } from './login.ts';

const LOCAL_LOGIN_KEY = 'local_login';

/** Whether a directory login (LDAP or OpenID Connect) is configured: the only other way in. */
export const hasDirectoryLogin = (directory: DirectoryConfig | undefined) => !!(directory?.ldap || directory?.oidc);

/** What the settings page shows: the admin's choice, and whether the environment forces it off. */
export interface LocalLoginState {
  /** Local accounts may log in now. */
  on: boolean;
  /** TIEBREAK_LOCAL_LOGIN=off: off whatever the setting. */
  forcedOff: boolean;
  /** A directory login is configured: switching local accounts off locks nobody out. */
  canSwitchOff: boolean;
}

export async function localLoginState(db: Db, directory: DirectoryConfig | undefined): Promise<LocalLoginState> {
  const forcedOff = directory ? !directory.localLogin : false;
  const stored = await getMeta(db, LOCAL_LOGIN_KEY);
  return { on: !forcedOff && stored !== 'off', forcedOff, canSwitchOff: hasDirectoryLogin(directory) };
}

/** The login configuration in force for this request: the environment's, with the admin's switch. */
export async function effectiveDirectory(db: Db, directory: DirectoryConfig | undefined): Promise<DirectoryConfig> {
  const config = directory ?? { localLogin: true };
  return config.localLogin && (await getMeta(db, LOCAL_LOGIN_KEY)) === 'off' ? { ...config, localLogin: false } : config;
}

/**
 * Switch local login on or off. Off is refused without a directory login (nobody could log in),
 * on is refused while the environment forces it off. Switching off ends the local accounts'
 * sessions (as a start with TIEBREAK_LOCAL_LOGIN=off does). Whether anything changed.
 */
export async function setLocalLogin(db: Db, directory: DirectoryConfig | undefined, on: boolean): Promise<boolean> {
  const state = await localLoginState(db, directory);
  if (!on && !state.canSwitchOff)
    throw new DomainError(
      'conflict',
      'local accounts can be switched off only when a directory login (LDAP or OpenID Connect) is configured',
      'localLoginNeedsDirectory',
    );
  if (on && state.forcedOff) throw new DomainError('conflict', 'TIEBREAK_LOCAL_LOGIN=off forces local accounts off', 'localLoginForcedOff');
  if (on === state.on) return false;
  await setMeta(db, LOCAL_LOGIN_KEY, on ? 'on' : 'off');
  if (!on) await endLocalSessions(db);
  return true;
}
