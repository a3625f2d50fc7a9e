// Login against an LDAP directory or Active Directory: the service account finds the user by the
// configured filter, the user's own bind checks the password, and the groups give the role.
import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import { Client, InvalidCredentialsError } from 'ldapts';
import type { LdapConfig } from './directory-config.ts';
import { roleOf } from './directory-config.ts';
import type { Role } from './users.ts';

export type LdapResult =
  | { ok: true; dn: string; role: Role; groups: string[] }
  /** invalid: unknown user or wrong password; no-group: the password is right but no mapped group holds the user. */
  | { ok: false; reason: 'invalid' | 'no-group'; dn?: string }
  | { ok: false; reason: 'unavailable'; detail: string };

/** RFC 4515: a value in a filter, with its special characters escaped (no injection through the login name). */
export function escapeFilterValue(value: string): string {
  return value.replace(/[\\*()\0]/g, (ch) => `\\${ch.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** A DN compared as directories do: case and spaces around separators do not matter. */
export function normaliseDn(dn: string): string {
  return dn
    .split(/(?<!\\),/)
    .map((rdn) =>
      rdn
        .split(/(?<!\\)=/)
        .map((part) => part.trim())
        .join('='),
    )
    .join(',')
    .toLowerCase();
}

function tlsOptions(config: LdapConfig): ConnectionOptions {
  const host = new URL(config.url).hostname;
  return { ...(config.caFile ? { ca: [readFileSync(config.caFile)] } : {}), servername: /^[\d.]+$|:/.test(host) ? undefined : host, minVersion: 'TLSv1.2' };
}

async function connect(config: LdapConfig): Promise<Client> {
  // ldapts speaks TLS from the first byte whenever tlsOptions is given: only for ldaps://.
  const ldaps = config.url.toLowerCase().startsWith('ldaps:');
  const client = new Client({
    url: config.url,
    timeout: config.timeoutMs,
    connectTimeout: config.timeoutMs,
    ...(ldaps ? { tlsOptions: tlsOptions(config) } : {}),
    strictDN: false,
  });
  if (config.startTls) await client.startTLS(tlsOptions(config));
  return client;
}

const text = (value: unknown): string[] =>
  (Array.isArray(value) ? value : value === undefined ? [] : [value]).map((v) => (Buffer.isBuffer(v) ? v.toString('utf8') : String(v)));

/**
 * Whether this name and password open the directory, and with which role. An empty password is
 * refused here, before any request: a simple bind with an empty password is an anonymous bind,
 * which directories accept (RFC 4513 5.1.2), so it would "succeed" for any user.
 */
export async function ldapLogin(config: LdapConfig, username: string, password: string): Promise<LdapResult> {
  const name = username.trim();
  if (!name || password === '') return { ok: false, reason: 'invalid' };
  let service: Client | undefined;
  let user: Client | undefined;
  try {
    service = await connect(config);
    await service.bind(config.bindDn, config.bindPassword);
    const filter = config.userFilter.replaceAll('{user}', escapeFilterValue(name));
    const { searchEntries } = await service.search(config.baseDn, { scope: 'sub', filter, attributes: ['dn', 'memberOf'], sizeLimit: 2 });
    // None, or an ambiguous filter: no login either way (never the first of several).
    if (searchEntries.length !== 1) return { ok: false, reason: 'invalid' };
    const entry = searchEntries[0]!;
    user = await connect(config);
    try {
      await user.bind(entry.dn, password);
    } catch (error) {
      if (error instanceof InvalidCredentialsError) return { ok: false, reason: 'invalid' };
      throw error;
    }
    let groups: string[];
    if (config.groupFilter) {
      const found = await service.search(config.groupBaseDn ?? config.baseDn, {
        scope: 'sub',
        filter: config.groupFilter.replaceAll('{dn}', escapeFilterValue(entry.dn)),
        attributes: ['dn'],
        sizeLimit: 1000,
      });
      groups = found.searchEntries.map((g) => g.dn);
    } else groups = text(entry.memberOf);
    const held = new Set(groups.map(normaliseDn));
    const role = roleOf((dn) => held.has(normaliseDn(dn)), config.adminGroups, config.viewerGroups);
    if (!role) return { ok: false, reason: 'no-group', dn: entry.dn };
    return { ok: true, dn: entry.dn, role, groups };
  } catch (error) {
    return { ok: false, reason: 'unavailable', detail: (error as Error).message || String(error) };
  } finally {
    await Promise.allSettled([service?.unbind(), user?.unbind()]);
  }
}
