// How the web interface's users log in: local accounts, an LDAP / Active Directory directory, an
// OpenID Connect provider. Read from the environment (/etc/tiebreak/collector.env in the packages):
// secrets stay out of the command line, where any local user could read them in the process list.
import { readFileSync } from 'node:fs';
import type { Role } from './users.ts';

export class DirectoryConfigError extends Error {}

export interface LdapConfig {
  /** ldap://host[:port] or ldaps://host[:port]. */
  url: string;
  /** Upgrade an ldap:// connection with StartTLS before any bind. */
  startTls: boolean;
  /** PEM file of the certificate authority that signed the directory's certificate (default: the system's). */
  caFile?: string;
  /** The service account that searches for users. */
  bindDn: string;
  bindPassword: string;
  baseDn: string;
  /** Search filter for the user, `{user}` replaced by the escaped login name, e.g. `(sAMAccountName={user})`. */
  userFilter: string;
  /** Groups by DN, each mapped to a role; admin wins when a user is in both. */
  adminGroups: string[];
  viewerGroups: string[];
  /**
   * A search of the groups that hold the user (`{dn}` replaced by the user's escaped DN), e.g.
   * `(&(objectClass=groupOfNames)(member={dn}))`; without it, the user's memberOf attribute.
   */
  groupFilter?: string;
  groupBaseDn?: string;
  /** Name shown on the login page ("Active Directory de la mairie"). */
  label: string;
  timeoutMs: number;
}

/** A claim value that gives a role: the claim's value equals it, or its array holds it. */
export interface ClaimRule {
  claim: string;
  value: string;
}

export interface OidcConfig {
  issuer: string;
  clientId: string;
  clientSecret?: string;
  /** The public address of the collector: the callback is <publicUrl>/login/oidc/callback. */
  publicUrl: string;
  scopes: string;
  /** Claim whose value becomes the account's name (default preferred_username, then email). */
  usernameClaim: string;
  admin: ClaimRule[];
  viewer: ClaimRule[];
  /** Text of the login button: "Se connecter avec {label}". */
  label: string;
  /** PKCE: auto (when the provider advertises S256), on, off (a provider that refuses unknown parameters). */
  pkce: 'auto' | 'on' | 'off';
  /** Signing algorithm of the ID token, and of userinfo when the provider signs it (ProConnect answers application/jwt). */
  idTokenAlg?: string;
  userinfoAlg?: string;
}

export interface DirectoryConfig {
  /** Whether local accounts (users.ts) may log in; the CLI's user commands work either way. */
  localLogin: boolean;
  ldap?: LdapConfig;
  oidc?: OidcConfig;
}

type Env = Record<string, string | undefined>;

const list = (value: string | undefined, separator: RegExp): string[] =>
  (value ?? '')
    .split(separator)
    .map((v) => v.trim())
    .filter(Boolean);

function flag(env: Env, name: string, fallback: boolean): boolean {
  const value = env[name]?.trim().toLowerCase();
  if (value === undefined || value === '') return fallback;
  if (['1', 'true', 'yes', 'on'].includes(value)) return true;
  if (['0', 'false', 'no', 'off'].includes(value)) return false;
  throw new DirectoryConfigError(`${name} must be on or off, not "${env[name]}"`);
}

/** A secret given in NAME, or in the file named by NAME_FILE (one line). */
function secret(env: Env, name: string): string | undefined {
  const file = env[`${name}_FILE`];
  if (file) {
    try {
      return readFileSync(file, 'utf8').replace(/\r?\n$/, '');
    } catch (error) {
      throw new DirectoryConfigError(`${name}_FILE: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
  }
  return env[name];
}

function required(env: Env, name: string, why: string): string {
  const value = env[name]?.trim();
  if (!value) throw new DirectoryConfigError(`${name} is required ${why}`);
  return value;
}

/** `claim=value` pairs separated by `;`; a bare value is a value of the default claim. */
function claimRules(value: string | undefined, defaultClaim: string, name: string): ClaimRule[] {
  return list(value, /;/).map((entry) => {
    const at = entry.indexOf('=');
    const claim = at < 0 ? defaultClaim : entry.slice(0, at).trim();
    const wanted = at < 0 ? entry : entry.slice(at + 1).trim();
    if (!claim || !wanted) throw new DirectoryConfigError(`${name}: "${entry}" is not claim=value`);
    return { claim, value: wanted };
  });
}

function checkFilter(filter: string, placeholder: string, name: string): string {
  if (!/^\(.*\)$/s.test(filter)) throw new DirectoryConfigError(`${name} must be an LDAP filter in parentheses, not "${filter}"`);
  if (!filter.includes(placeholder)) throw new DirectoryConfigError(`${name} must contain ${placeholder}, not "${filter}"`);
  return filter;
}

export function directoryConfigFromEnv(env: Env = process.env): DirectoryConfig {
  const config: DirectoryConfig = { localLogin: flag(env, 'TIEBREAK_LOCAL_LOGIN', true) };
  if (env.TIEBREAK_LDAP_URL?.trim()) {
    const url = required(env, 'TIEBREAK_LDAP_URL', '');
    if (!/^ldaps?:\/\/[^/]+\/?$/i.test(url))
      throw new DirectoryConfigError(`TIEBREAK_LDAP_URL must be ldap://host[:port] or ldaps://host[:port], not "${url}"`);
    const startTls = flag(env, 'TIEBREAK_LDAP_STARTTLS', false);
    if (startTls && url.toLowerCase().startsWith('ldaps:'))
      throw new DirectoryConfigError('TIEBREAK_LDAP_STARTTLS goes with an ldap:// URL (ldaps:// is TLS already)');
    const caFile = env.TIEBREAK_LDAP_CA_FILE?.trim() || undefined;
    if (caFile) {
      try {
        readFileSync(caFile);
      } catch (error) {
        throw new DirectoryConfigError(`TIEBREAK_LDAP_CA_FILE: cannot read ${caFile}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
      }
    }
    const why = 'with TIEBREAK_LDAP_URL';
    const bindDn = required(env, 'TIEBREAK_LDAP_BIND_DN', `${why} (the service account that searches for users; no anonymous search)`);
    const bindPassword = secret(env, 'TIEBREAK_LDAP_BIND_PASSWORD');
    if (!bindPassword) throw new DirectoryConfigError(`TIEBREAK_LDAP_BIND_PASSWORD (or TIEBREAK_LDAP_BIND_PASSWORD_FILE) is required ${why}`);
    const adminGroups = list(env.TIEBREAK_LDAP_ADMIN_GROUPS, /;/);
    const viewerGroups = list(env.TIEBREAK_LDAP_VIEWER_GROUPS, /;/);
    if (!adminGroups.length && !viewerGroups.length)
      throw new DirectoryConfigError(`TIEBREAK_LDAP_ADMIN_GROUPS or TIEBREAK_LDAP_VIEWER_GROUPS is required ${why}: nobody may log in without a group`);
    const groupFilter = env.TIEBREAK_LDAP_GROUP_FILTER?.trim()
      ? checkFilter(env.TIEBREAK_LDAP_GROUP_FILTER.trim(), '{dn}', 'TIEBREAK_LDAP_GROUP_FILTER')
      : undefined;
    const timeout = Number(env.TIEBREAK_LDAP_TIMEOUT ?? 10);
    if (!Number.isFinite(timeout) || timeout <= 0)
      throw new DirectoryConfigError(`TIEBREAK_LDAP_TIMEOUT must be a number of seconds, not "${env.TIEBREAK_LDAP_TIMEOUT}"`);
    config.ldap = {
      url,
      startTls,
      caFile,
      bindDn,
      bindPassword,
      baseDn: required(env, 'TIEBREAK_LDAP_BASE_DN', why),
      userFilter: checkFilter(env.TIEBREAK_LDAP_USER_FILTER?.trim() || '(uid={user})', '{user}', 'TIEBREAK_LDAP_USER_FILTER'),
      adminGroups,
      viewerGroups,
      groupFilter,
      groupBaseDn: env.TIEBREAK_LDAP_GROUP_BASE_DN?.trim() || undefined,
      label: env.TIEBREAK_LDAP_LABEL?.trim() || 'annuaire',
      timeoutMs: timeout * 1000,
    };
  }
  if (env.TIEBREAK_OIDC_ISSUER?.trim()) {
    const why = 'with TIEBREAK_OIDC_ISSUER';
    const issuer = required(env, 'TIEBREAK_OIDC_ISSUER', '');
    const publicUrl = required(
      env,
      'TIEBREAK_PUBLIC_URL',
      `${why} (the collector's address as browsers see it, e.g. https://tiebreak.mairie-exemple.fr)`,
    ).replace(/\/+$/, '');
    for (const [name, value] of [
      ['TIEBREAK_OIDC_ISSUER', issuer],
      ['TIEBREAK_PUBLIC_URL', publicUrl],
    ] as const) {
      let parsed: URL;
      try {
        parsed = new URL(value);
      } catch {
        throw new DirectoryConfigError(`${name} must be a URL, not "${value}"`);
      }
      // Plain HTTP only on this machine (a provider or proxy on loopback): codes and tokens never cross a network in clear.
      if (parsed.protocol !== 'https:' && !(parsed.protocol === 'http:' && isLoopback(parsed.hostname)))
        throw new DirectoryConfigError(`${name} must be an https:// URL (http:// only on 127.0.0.1 or localhost), not "${value}"`);
    }
    const defaultClaim = env.TIEBREAK_OIDC_ROLE_CLAIM?.trim() || 'groups';
    const admin = claimRules(env.TIEBREAK_OIDC_ADMIN, defaultClaim, 'TIEBREAK_OIDC_ADMIN');
    const viewer = claimRules(env.TIEBREAK_OIDC_VIEWER, defaultClaim, 'TIEBREAK_OIDC_VIEWER');
    if (!admin.length && !viewer.length)
      throw new DirectoryConfigError(`TIEBREAK_OIDC_ADMIN or TIEBREAK_OIDC_VIEWER is required ${why}: nobody may log in without a role`);
    config.oidc = {
      issuer,
      clientId: required(env, 'TIEBREAK_OIDC_CLIENT_ID', why),
      clientSecret: secret(env, 'TIEBREAK_OIDC_CLIENT_SECRET') || undefined,
      publicUrl,
      scopes: env.TIEBREAK_OIDC_SCOPES?.trim() || 'openid profile email',
      usernameClaim: env.TIEBREAK_OIDC_USERNAME_CLAIM?.trim() || 'preferred_username',
      admin,
      viewer,
      label: env.TIEBREAK_OIDC_LABEL?.trim() || new URL(issuer).hostname,
      pkce: pkceMode(env.TIEBREAK_OIDC_PKCE),
      idTokenAlg: env.TIEBREAK_OIDC_ID_TOKEN_ALG?.trim() || undefined,
      userinfoAlg: env.TIEBREAK_OIDC_USERINFO_ALG?.trim() || undefined,
    };
  }
  if (config.oidc && !config.oidc.clientSecret && config.oidc.pkce === 'off')
    throw new DirectoryConfigError('TIEBREAK_OIDC_PKCE=off needs TIEBREAK_OIDC_CLIENT_SECRET: a public client without PKCE is not safe');
  if (!config.localLogin && !config.ldap && !config.oidc)
    throw new DirectoryConfigError('TIEBREAK_LOCAL_LOGIN=off needs TIEBREAK_LDAP_URL or TIEBREAK_OIDC_ISSUER: nobody could log in');
  return config;
}

function pkceMode(value: string | undefined): OidcConfig['pkce'] {
  const mode = value?.trim().toLowerCase() || 'auto';
  if (mode === 'auto' || mode === 'on' || mode === 'off') return mode;
  throw new DirectoryConfigError(`TIEBREAK_OIDC_PKCE must be auto, on or off, not "${value}"`);
}

export function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

/** The role the groups give: admin first, then viewer, else none. */
export function roleOf(has: (wanted: string) => boolean, admin: readonly string[], viewer: readonly string[]): Role | null {
  if (admin.some(has)) return 'admin';
  if (viewer.some(has)) return 'viewer';
  return null;
}
