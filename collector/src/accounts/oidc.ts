// Login through an OpenID Connect provider (ProConnect, Keycloak, Entra ID...): the authorization
// code flow with PKCE, state and nonce. What a login waits for is a row (pending_logins) for ten
// minutes, bound to the browser that started it by a random cookie whose hash only is kept: the
// provider may send the browser back to any collector process on the same database.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import * as client from 'openid-client';
import type { ClaimRule, OidcConfig } from './directory-config.ts';
import type { Role } from './users.ts';
import { first, run, sql, value, type Db } from '../store/db.ts';

export const CALLBACK_PATH = '/login/oidc/callback';
/** Where the provider sends the browser back after a logout (register it as a post-logout redirect URI). */
export const POST_LOGOUT_PATH = '/login';
const PENDING_MS = 10 * 60_000;
const MAX_PENDING = 10_000;

export class OidcError extends Error {
  constructor(
    message: string,
    /** What the user is told (French first: the web interface's language). */
    readonly kind: 'state' | 'provider' | 'no-role' | 'identity',
  ) {
    super(message);
  }
}

interface Pending {
  binding_hash: string;
  verifier: string | null;
  nonce: string;
  next: string;
  expires_at: string;
}

export interface OidcIdentity {
  /** issuer and subject: the same person at every login, whatever their name becomes. */
  externalId: string;
  username: string;
  role: Role | null;
  claims: Record<string, unknown>;
  /** The ID token as received: the id_token_hint of the logout at the provider. */
  idToken: string;
}

const sha = (value: string) => createHash('sha256').update(value).digest();
const stateHash = (state: string) => sha(state).toString('base64url');

/** Whether a claim value (a string, or an array of them) holds the rule's value. */
function matches(claims: Record<string, unknown>, rule: ClaimRule): boolean {
  const value = claims[rule.claim];
  if (Array.isArray(value)) return value.some((v) => String(v) === rule.value);
  return value !== undefined && value !== null && String(value) === rule.value;
}

export function roleFromClaims(claims: Record<string, unknown>, admin: readonly ClaimRule[], viewer: readonly ClaimRule[]): Role | null {
  if (admin.some((r) => matches(claims, r))) return 'admin';
  if (viewer.some((r) => matches(claims, r))) return 'viewer';
  return null;
}

export class OidcLogin {
  private configuration: Promise<client.Configuration> | null = null;
  constructor(
    readonly config: OidcConfig,
    private readonly db: Db,
  ) {}

  get redirectUri(): string {
    return `${this.config.publicUrl}${CALLBACK_PATH}`;
  }

  /** The provider's metadata, fetched at the first login and kept (fetched again after a failure). */
  private discover(): Promise<client.Configuration> {
    if (!this.configuration) {
      const insecure = new URL(this.config.issuer).protocol === 'http:';
      this.configuration = client
        .discovery(
          new URL(this.config.issuer),
          this.config.clientId,
          {
            redirect_uris: [this.redirectUri],
            response_types: ['code'],
            ...(this.config.idTokenAlg ? { id_token_signed_response_alg: this.config.idTokenAlg } : {}),
            ...(this.config.userinfoAlg ? { userinfo_signed_response_alg: this.config.userinfoAlg } : {}),
          },
          this.config.clientSecret ? client.ClientSecretPost(this.config.clientSecret) : client.None(),
          // http:// is accepted by the configuration for a provider on loopback only.
          { ...(insecure ? { execute: [client.allowInsecureRequests] } : {}), timeout: 10 },
        )
        .catch((error: unknown) => {
          this.configuration = null;
          throw new OidcError(`discovery of ${this.config.issuer} failed: ${(error as Error).message}`, 'provider');
        });
    }
    return this.configuration;
  }

  /** Where to send the browser, and the cookie that binds the login to it. */
  async start(next: string): Promise<{ url: string; binding: string }> {
    const configuration = await this.discover();
    const now = Date.now();
    await run(this.db, sql`DELETE FROM pending_logins WHERE expires_at < ${new Date(now).toISOString()}`);
    // A flood of started logins cannot grow the table without bound: the oldest are forgotten.
    const excess = (await value<number>(this.db, sql`SELECT COUNT(*) FROM pending_logins`))! - MAX_PENDING + 1;
    if (excess > 0)
      await run(this.db, sql`DELETE FROM pending_logins WHERE state_hash IN (SELECT state_hash FROM pending_logins ORDER BY expires_at LIMIT ${excess})`);
    const state = client.randomState();
    const nonce = client.randomNonce();
    // With a confidential client, state and nonce already bind the code to this browser; PKCE is
    // added whenever the provider supports it (ProConnect's documentation lists no PKCE parameter).
    const pkce = this.config.pkce === 'on' || (this.config.pkce === 'auto' && configuration.serverMetadata().supportsPKCE());
    const verifier = pkce ? client.randomPKCECodeVerifier() : undefined;
    const binding = randomBytes(24).toString('base64url');
    await run(
      this.db,
      sql`INSERT INTO pending_logins (state_hash, binding_hash, verifier, nonce, next, expires_at)
        VALUES (${stateHash(state)}, ${sha(binding).toString('base64url')}, ${verifier ?? null}, ${nonce}, ${next}, ${new Date(now + PENDING_MS).toISOString()})`,
    );
    const url = client.buildAuthorizationUrl(configuration, {
      redirect_uri: this.redirectUri,
      scope: this.config.scopes,
      state,
      nonce,
      ...(verifier ? { code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256' } : {}),
    });
    return { url: url.href, binding };
  }

  /**
   * Where to send a browser that logs out of a session opened through the provider (RP-initiated
   * logout: the provider ends its own session, then sends the browser to POST_LOGOUT_PATH), or null
   * when the provider offers no end_session_endpoint.
   */
  async logoutUrl(idToken: string): Promise<string | null> {
    const configuration = await this.discover();
    if (!configuration.serverMetadata().end_session_endpoint) return null;
    return client.buildEndSessionUrl(configuration, { id_token_hint: idToken, post_logout_redirect_uri: `${this.config.publicUrl}${POST_LOGOUT_PATH}` }).href;
  }

  /**
   * The provider sent the browser back: the state must be one this collector issued to this
   * browser (once), then the code is exchanged with the verifier and the ID token's nonce checked.
   */
  async finish(callback: URL, binding: string | undefined): Promise<OidcIdentity & { next: string }> {
    const state = callback.searchParams.get('state') ?? '';
    const pending = await first<Pending>(
      this.db,
      sql`SELECT binding_hash, verifier, nonce, next, expires_at FROM pending_logins WHERE state_hash = ${stateHash(state)}`,
    );
    const bound = pending && binding && timingSafeEqual(Buffer.from(pending.binding_hash), Buffer.from(sha(binding).toString('base64url')));
    // Used once: of two callbacks with the same state (two processes), only the one that deletes it goes on.
    if (
      !pending ||
      pending.expires_at < new Date().toISOString() ||
      !bound ||
      (await run(this.db, sql`DELETE FROM pending_logins WHERE state_hash = ${stateHash(state)}`)) !== 1
    )
      throw new OidcError('unknown, expired or foreign state', 'state');
    const providerError = callback.searchParams.get('error');
    if (providerError) throw new OidcError(`the provider refused: ${providerError} ${callback.searchParams.get('error_description') ?? ''}`.trim(), 'provider');
    const configuration = await this.discover();
    // The response is checked against the registered callback, whatever address the request reached.
    const current = new URL(this.redirectUri);
    current.search = callback.search;
    let tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>;
    try {
      tokens = await client.authorizationCodeGrant(configuration, current, {
        pkceCodeVerifier: pending.verifier ?? undefined,
        expectedState: state,
        expectedNonce: pending.nonce,
        idTokenExpected: true,
      });
    } catch (error) {
      throw new OidcError(`code exchange failed: ${(error as Error).message}`, 'provider');
    }
    const idClaims = tokens.claims();
    if (!idClaims) throw new OidcError('no ID token', 'provider');
    let claims: Record<string, unknown> = { ...idClaims };
    // Groups or other claims are often given by the userinfo endpoint only (ProConnect, Keycloak without a mapper).
    const wanted = [...this.config.admin, ...this.config.viewer].map((r) => r.claim).concat(this.config.usernameClaim);
    if (wanted.some((claim) => claims[claim] === undefined) && configuration.serverMetadata().userinfo_endpoint) {
      try {
        const info = await client.fetchUserInfo(configuration, tokens.access_token, idClaims.sub);
        claims = { ...info, ...claims };
      } catch (error) {
        throw new OidcError(`userinfo failed: ${(error as Error).message}`, 'provider');
      }
    }
    const name = [claims[this.config.usernameClaim], claims.preferred_username, claims.email].find((v) => typeof v === 'string' && v.trim());
    if (typeof name !== 'string') throw new OidcError(`the provider gave no ${this.config.usernameClaim} claim for the account name`, 'identity');
    return {
      externalId: `${idClaims.iss} ${idClaims.sub}`,
      username: name.trim(),
      role: roleFromClaims(claims, this.config.admin, this.config.viewer),
      claims,
      idToken: tokens.id_token!,
      next: pending.next,
    };
  }
}
