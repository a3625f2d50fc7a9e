// Real directory servers for the login tests: a throwaway OpenLDAP slapd (Debian's package) on a
// loopback port with its own configuration and data, a test certificate authority made with
// openssl, and an OpenID provider (the oidc-provider package) in this process.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Provider from 'oidc-provider';
import { freePort } from './free-port.ts';

export { freePort };

const run = promisify(execFile);

export interface TestCa {
  caFile: string;
  certFile: string;
  keyFile: string;
}

/** A certificate authority and a server certificate for localhost and 127.0.0.1 signed by it. */
export async function makeTestCa(dir: string, name = 'ca'): Promise<TestCa> {
  mkdirSync(dir, { recursive: true });
  const f = (file: string) => join(dir, `${name}-${file}`);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await run('openssl', [
    'req',
    '-x509',
    ...ec,
    '-keyout',
    f('ca.key'),
    '-out',
    f('ca.pem'),
    '-days',
    '2',
    '-subj',
    `/CN=tiebreak test ${name}`,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  await run('openssl', ['req', ...ec, '-keyout', f('server.key'), '-out', f('server.csr'), '-subj', '/CN=localhost']);
  writeFileSync(f('ext.cnf'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  await run('openssl', [
    'x509',
    '-req',
    '-in',
    f('server.csr'),
    '-CA',
    f('ca.pem'),
    '-CAkey',
    f('ca.key'),
    '-CAcreateserial',
    '-out',
    f('server.pem'),
    '-days',
    '2',
    '-extfile',
    f('ext.cnf'),
  ]);
  return { caFile: f('ca.pem'), certFile: f('server.pem'), keyFile: f('server.key') };
}

export const LDAP_SUFFIX = 'dc=mairie,dc=test';
export const LDAP_ROOT = { dn: `cn=root,${LDAP_SUFFIX}`, password: 'root-secret-for-tests' };
export const LDAP_SERVICE = { dn: `cn=tiebreak,ou=services,${LDAP_SUFFIX}`, password: 'service-secret-for-tests' };
export const LDAP_ADMINS = `cn=tiebreak-admins,ou=groups,${LDAP_SUFFIX}`;
export const LDAP_VIEWERS = `cn=tiebreak-viewers,ou=groups,${LDAP_SUFFIX}`;
/** alice: admins; bob: viewers; carol: no group; (their memberOf is written as the memberof overlay would). */
export const LDAP_USERS = {
  alice: { password: 'alice-password-1', groups: [LDAP_ADMINS] },
  bob: { password: 'bob-password-22', groups: [LDAP_VIEWERS] },
  carol: { password: 'carol-password-333', groups: [] as string[] },
};

export interface Slapd {
  ldapUrl: string;
  ldapsUrl: string;
  ca: TestCa;
  stop(): Promise<void>;
}

/** slapd with a temporary configuration and database under `dir`, on loopback, in the foreground of its own process. */
export async function startSlapd(dir: string): Promise<Slapd> {
  const data = join(dir, 'data');
  mkdirSync(data, { recursive: true });
  const ca = await makeTestCa(dir, 'ldap');
  const conf = join(dir, 'slapd.conf');
  writeFileSync(
    conf,
    `include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
modulepath /usr/lib/ldap
moduleload back_mdb
moduleload memberof
pidfile ${join(dir, 'slapd.pid')}
argsfile ${join(dir, 'slapd.args')}
TLSCACertificateFile ${ca.caFile}
TLSCertificateFile ${ca.certFile}
TLSCertificateKeyFile ${ca.keyFile}
# As Active Directory does: a DN with no password is an anonymous bind that succeeds (the login
# must refuse an empty password itself).
allow bind_anon_dn
database mdb
maxsize 16777216
suffix "${LDAP_SUFFIX}"
rootdn "${LDAP_ROOT.dn}"
rootpw ${LDAP_ROOT.password}
directory ${data}
overlay memberof
access to attrs=userPassword by anonymous auth by * none
access to * by dn.exact="${LDAP_SERVICE.dn}" read by * none
`,
  );
  const users = Object.entries(LDAP_USERS)
    .map(
      ([uid, u]) => `dn: uid=${uid},ou=people,${LDAP_SUFFIX}
objectClass: inetOrgPerson
uid: ${uid}
cn: ${uid}
sn: ${uid}
userPassword: ${u.password}
${u.groups.map((g) => `memberOf: ${g}\n`).join('')}`,
    )
    .join('\n');
  const group = (dn: string, members: string[]) => `dn: ${dn}
objectClass: groupOfNames
cn: ${/^cn=([^,]+)/.exec(dn)![1]}
member: ${LDAP_SERVICE.dn}
${members.map((m) => `member: uid=${m},ou=people,${LDAP_SUFFIX}\n`).join('')}`;
  const members = (g: string) =>
    Object.entries(LDAP_USERS)
      .filter(([, u]) => u.groups.includes(g))
      .map(([uid]) => uid);
  writeFileSync(
    join(dir, 'data.ldif'),
    `dn: ${LDAP_SUFFIX}
objectClass: dcObject
objectClass: organization
dc: mairie
o: Mairie de test

dn: ou=people,${LDAP_SUFFIX}
objectClass: organizationalUnit
ou: people

dn: ou=groups,${LDAP_SUFFIX}
objectClass: organizationalUnit
ou: groups

dn: ou=services,${LDAP_SUFFIX}
objectClass: organizationalUnit
ou: services

dn: ${LDAP_SERVICE.dn}
objectClass: organizationalRole
objectClass: simpleSecurityObject
cn: tiebreak
userPassword: ${LDAP_SERVICE.password}

${users}
${group(LDAP_ADMINS, members(LDAP_ADMINS))}
${group(LDAP_VIEWERS, members(LDAP_VIEWERS))}`,
  );
  await run('/usr/sbin/slapadd', ['-f', conf, '-l', join(dir, 'data.ldif')]);
  const [ldapPort, ldapsPort] = [await freePort(), await freePort()];
  const ldapUrl = `ldap://127.0.0.1:${ldapPort}`;
  const ldapsUrl = `ldaps://localhost:${ldapsPort}`;
  const child: ChildProcess = spawn('/usr/sbin/slapd', ['-f', conf, '-h', `${ldapUrl}/ ldaps://127.0.0.1:${ldapsPort}/`, '-d', '0'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`slapd exited with ${child.exitCode}: ${err}`);
    if ((await accepts(ldapPort)) && (await accepts(ldapsPort))) break;
    if (Date.now() > deadline) throw new Error(`slapd did not listen: ${err}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    ldapUrl,
    ldapsUrl,
    ca,
    stop: () =>
      new Promise((done) => {
        if (child.exitCode !== null) return done();
        child.once('exit', () => done());
        child.kill('SIGTERM');
      }),
  };
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export interface OidcAccount {
  groups: string[];
  email?: string;
}

export interface TestProvider {
  issuer: string;
  clientId: string;
  clientSecret: string;
  stop(): Promise<void>;
}

/**
 * An OpenID provider on loopback. Its development login form takes any password for a known
 * account (the provider's own authentication is not what is tested); the groups claim is released
 * with the `groups` scope, from userinfo.
 */
export async function startOidcProvider(accounts: Record<string, OidcAccount>, redirectUri: string): Promise<TestProvider> {
  let handler: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.end();
  const server: Server = createServer((req, res) => handler(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const client = { clientId: 'tiebreak-collector', clientSecret: 'client-secret-for-the-tests-0123456789' };
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: client.clientId,
        client_secret: client.clientSecret,
        redirect_uris: [redirectUri],
        // The collector's login page: where the provider sends the browser after a logout.
        post_logout_redirect_uris: [new URL('/login', redirectUri).href],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_post',
      },
    ],
    async findAccount(_ctx, id) {
      const account = accounts[id];
      if (!account) return undefined;
      return { accountId: id, claims: async () => ({ sub: id, preferred_username: id, email: account.email ?? `${id}@mairie.test`, groups: account.groups }) };
    },
    claims: { openid: ['sub'], profile: ['preferred_username'], email: ['email'], groups: ['groups'] },
    scopes: ['openid', 'profile', 'email', 'groups'],
    features: { devInteractions: { enabled: true } },
    pkce: { required: () => true },
    cookies: { keys: ['a key for the test provider cookies'] },
    ttl: { Interaction: 600, Session: 3600, Grant: 3600, AccessToken: 600, IdToken: 600, AuthorizationCode: 60 },
  });
  handler = provider.callback();
  return {
    issuer,
    ...client,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
