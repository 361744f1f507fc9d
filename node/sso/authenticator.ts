/**
 * Who is asking: turns a request's VTEX ID credential into a confirmed Person, or refuses with
 * a PonteError whose code says why. node/README.md ("SSO") explains the order and the cache.
 *
 * 1. the credential for the audience (credentials.ts); none: UNAUTHENTICATED; an app key where
 *    none is allowed: FORBIDDEN. No network call so far.
 * 2. the core's checks (sso/core.ts): structure, algorithm, claims, issuer, audience, account
 *    = the current account, expiry against the clock with LEEWAY_SECONDS. Still no network call.
 * 3. the app's settings (cached SETTINGS_TTL_MS): with a key set (`jwks`) the core verifies the
 *    signature and the person is verifiedBy SIGNATURE;
 * 4. else the confirmation cache, by the core's `cacheKey` (never the token): CACHE;
 * 5. else VTEX ID online (`credential/validate`): refused → TOKEN_REVOKED; confirmed for
 *    another account, audience or person → the matching TOKEN_* code; confirmed → ONLINE,
 *    cached for `ssoCacheSeconds` and never beyond the token's `exp`.
 *
 * Tokens never reach a message, a log line or a cache key.
 */
import { createHash } from 'crypto'

import type { ValidateAnswer, VtexIdSource } from '../clients/vtexId'
import {
  APP_KEY_INVALID,
  FORBIDDEN,
  PonteError,
  TOKEN_REVOKED,
  UNAUTHENTICATED,
  VTEX_REQUEST_FAILED,
} from '../lib/errors'
import type { Audience, Claims, TokenExpectation, ValidToken } from './core'
import { validateToken } from './core'
import { ExpiringLru } from './cache'
import type { CredentialSource } from './credentials'
import { findCredential } from './credentials'

export type VerifiedBy = 'SIGNATURE' | 'ONLINE' | 'CACHE'

/** A person (or, where allowed, an app key) whose credential was confirmed for this account. */
export interface Person {
  /** VTEX ID's user id; null for app keys. */
  userId: string | null
  /** The `sub` claim: the person's email, or the app key's name. */
  email: string
  account: string
  audience: Audience
  /** The token's `exp`, unix seconds. */
  expiresAt: number
  verifiedBy: VerifiedBy
  isAppKey: boolean
}

export interface Requirement {
  audience: Audience
  /** Whether an app key (headers, or a token whose `sub` is `vtexappkey-...`) is accepted. */
  allowAppKey?: boolean
}

/** The SSO part of the app's settings (manifest.json settingsSchema). */
export interface SsoSettings {
  /** A JWKS document: tokens are then verified by signature instead of online. */
  jwks: string | null
  /** How long an online confirmation is reused; 0 turns the cache off. */
  cacheSeconds: number
}

export interface Logger {
  warn(entry: Record<string, unknown>): void
}

/** What one authentication needs from its request's context. */
export interface AuthenticationDeps {
  vtexId: VtexIdSource
  /** Reads the app's settings (raw); failures fall back to the defaults. */
  readSettings(): Promise<unknown>
  /** Where settings are cached: one entry per account and workspace. */
  settingsKey: string
  logger?: Logger
}

export const LEEWAY_SECONDS = 30
export const DEFAULT_CACHE_SECONDS = 60
export const MAX_CACHE_SECONDS = 300
export const SETTINGS_TTL_MS = 5000
export const MAX_CACHE_ENTRIES = 10000
export const DEFAULT_SETTINGS: SsoSettings = { jwks: null, cacheSeconds: DEFAULT_CACHE_SECONDS }

const APP_KEY_SUB = /^vtexappkey-/i

/** Reads `jwks` and `ssoCacheSeconds` from the raw settings object, falling back per key. */
export function parseSettings(raw: unknown): SsoSettings {
  const settings = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>
  let jwks: string | null = null
  if (typeof settings.jwks === 'string' && settings.jwks.trim() !== '') jwks = settings.jwks
  else if (settings.jwks && typeof settings.jwks === 'object') jwks = JSON.stringify(settings.jwks)
  const seconds = settings.ssoCacheSeconds
  const cacheSeconds =
    typeof seconds === 'number' && Number.isInteger(seconds) && seconds >= 0
      ? Math.min(seconds, MAX_CACHE_SECONDS)
      : DEFAULT_CACHE_SECONDS
  return { jwks, cacheSeconds }
}

export interface AuthenticatorOptions {
  /** Milliseconds since the epoch; Date.now by default. */
  now?: () => number
  leewaySeconds?: number
  maxEntries?: number
  settingsTtlMs?: number
}

type Confirmed = Omit<Person, 'verifiedBy'>

export class PersonAuthenticator {
  private readonly now: () => number
  private readonly leewaySeconds: number
  private readonly settingsTtlMs: number
  private readonly confirmations: ExpiringLru<Confirmed>
  private readonly settingsCache: ExpiringLru<SsoSettings>
  /** Online confirmations under way, so concurrent requests for one session make one call. */
  private readonly inflight = new Map<string, Promise<Confirmed>>()

  constructor(options: AuthenticatorOptions = {}) {
    this.now = options.now ?? Date.now
    this.leewaySeconds = options.leewaySeconds ?? LEEWAY_SECONDS
    this.settingsTtlMs = options.settingsTtlMs ?? SETTINGS_TTL_MS
    this.confirmations = new ExpiringLru(options.maxEntries ?? MAX_CACHE_ENTRIES, this.now)
    this.settingsCache = new ExpiringLru(64, this.now)
  }

  /** Number of cached confirmations (for tests and metrics). */
  public get cacheSize(): number {
    return this.confirmations.size
  }

  public async authenticate(request: CredentialSource, deps: AuthenticationDeps, requirement: Requirement): Promise<Person> {
    const { audience } = requirement
    const allowAppKey = requirement.allowAppKey ?? false
    const credential = findCredential(request, audience)

    if (credential.kind === 'none') {
      throw new PonteError(
        UNAUTHENTICATED,
        audience === 'admin'
          ? 'sign in: this field needs an admin token (cookie VtexIdclientAutCookie or an Authorization: Bearer header)'
          : `sign in: this field needs a storefront token (cookie VtexIdclientAutCookie_${request.vtex.account} or an Authorization: Bearer header)`
      )
    }
    if (credential.kind === 'appKey') {
      if (!allowAppKey) throw forbiddenAppKey()
      return this.appKeyPerson(request, deps, audience, credential.appKey, credential.appToken)
    }

    const expected = this.expected(request, audience)
    const valid = validateToken(credential.token, expected)
    if (!allowAppKey && APP_KEY_SUB.test(valid.claims.sub)) throw forbiddenAppKey()

    const settings = await this.settings(deps)
    if (settings.jwks !== null) {
      const verified = validateToken(credential.token, expected, settings.jwks)
      return { ...confirmed(verified.claims, audience), verifiedBy: 'SIGNATURE' }
    }

    const cached = this.confirmations.get(valid.cacheKey)
    if (cached) return { ...cached, verifiedBy: 'CACHE' }

    let pending = this.inflight.get(valid.cacheKey)
    if (!pending) {
      pending = this.confirmOnline(credential.token, valid, expected, deps, settings).finally(() =>
        this.inflight.delete(valid.cacheKey)
      )
      this.inflight.set(valid.cacheKey, pending)
    }
    return { ...(await pending), verifiedBy: 'ONLINE' }
  }

  private expected(request: CredentialSource, audience: Audience): TokenExpectation {
    return {
      audience,
      account: request.vtex.account,
      now: Math.floor(this.now() / 1000),
      leewaySeconds: this.leewaySeconds,
    }
  }

  private async confirmOnline(
    token: string,
    valid: ValidToken,
    expected: TokenExpectation,
    deps: AuthenticationDeps,
    settings: SsoSettings
  ): Promise<Confirmed> {
    const answer = await deps.vtexId.validate(token)
    const person = checkConfirmation(answer, valid.claims, expected)
    this.remember(valid.cacheKey, person, settings)
    return person
  }

  private async appKeyPerson(
    request: CredentialSource,
    deps: AuthenticationDeps,
    audience: Audience,
    appKey: string,
    appToken: string
  ): Promise<Person> {
    // App keys only ever get admin tokens: refuse before the exchange.
    if (audience !== 'admin') {
      throw new PonteError('TOKEN_AUDIENCE_WRONG', 'an app key gets an admin token; this field requires a storefront person')
    }
    const account = request.vtex.account
    const key = `appkey:${createHash('sha256').update(`${account}\0${appKey}\0${appToken}`).digest('hex')}`
    const cached = this.confirmations.get(key)
    if (cached) return { ...cached, verifiedBy: 'CACHE' }

    const answer = await deps.vtexId.appTokenLogin(appKey, appToken)
    if (answer.status === 'refused') {
      throw new PonteError(APP_KEY_INVALID, 'VTEX ID refused the app key and app token')
    }
    if (answer.status === 'failed') throw vtexIdFailed(answer.httpStatus, answer.reason)
    // The token comes straight from VTEX ID, so its signature needs no check; its claims do.
    const valid = validateToken(answer.token, this.expected(request, audience))
    if (valid.claims.sub.toLowerCase() !== appKey.toLowerCase()) {
      throw new PonteError('TOKEN_CLAIMS_INVALID', 'VTEX ID issued a token for another app key')
    }
    const person: Confirmed = { ...confirmed(valid.claims, audience), userId: null, isAppKey: true }
    this.remember(key, person, await this.settings(deps))
    return { ...person, verifiedBy: 'ONLINE' }
  }

  /** Caches for the configured time, never beyond the token's `exp`. */
  private remember(key: string, person: Confirmed, settings: SsoSettings): void {
    if (settings.cacheSeconds <= 0) return
    const until = Math.min(this.now() + settings.cacheSeconds * 1000, person.expiresAt * 1000)
    this.confirmations.set(key, person, until)
  }

  private async settings(deps: AuthenticationDeps): Promise<SsoSettings> {
    const cached = this.settingsCache.get(deps.settingsKey)
    if (cached) return cached
    let settings = DEFAULT_SETTINGS
    try {
      settings = parseSettings(await deps.readSettings())
    } catch (e) {
      // Without settings there is no key set: tokens are confirmed online, which is the strict path.
      deps.logger?.warn({
        message: 'SSO: app settings unreadable; confirming tokens online',
        status: (e as { response?: { status?: unknown } })?.response?.status ?? null,
      })
    }
    this.settingsCache.set(deps.settingsKey, settings, this.now() + this.settingsTtlMs)
    return settings
  }
}

function confirmed(claims: Claims, audience: Audience): Confirmed {
  return {
    userId: claims.userId ?? null,
    email: claims.sub,
    account: claims.account,
    audience,
    expiresAt: claims.exp,
    isAppKey: APP_KEY_SUB.test(claims.sub),
  }
}

/** VTEX ID's answer must confirm this very token: same account, audience and person. */
function checkConfirmation(answer: ValidateAnswer, claims: Claims, expected: TokenExpectation): Confirmed {
  if (answer.status === 'refused') {
    throw new PonteError(TOKEN_REVOKED, 'VTEX ID does not recognise this session (logged out, revoked or unknown)')
  }
  if (answer.status === 'failed') throw vtexIdFailed(answer.httpStatus, answer.reason)
  const c = answer.confirmation
  if (c.account !== undefined && c.account !== expected.account) {
    throw new PonteError('TOKEN_ACCOUNT_WRONG', 'VTEX ID confirmed the token for another account')
  }
  if (c.audience !== undefined && c.audience !== expected.audience) {
    throw new PonteError('TOKEN_AUDIENCE_WRONG', `VTEX ID confirmed the token for another audience; this context requires "${expected.audience}"`)
  }
  if (c.account === undefined || c.audience === undefined) {
    throw new PonteError(VTEX_REQUEST_FAILED, 'VTEX ID confirmed the token without its account and audience', 'error')
  }
  const sameUser = c.user === undefined || c.user.toLowerCase() === claims.sub.toLowerCase()
  const sameId = c.id === undefined || !claims.userId || c.id === claims.userId
  if (!sameUser || !sameId) {
    throw new PonteError('TOKEN_CLAIMS_INVALID', 'VTEX ID confirmed the session for another person than the token names')
  }
  return confirmed(claims, expected.audience)
}

function forbiddenAppKey(): PonteError {
  return new PonteError(FORBIDDEN, 'an app key cannot be used here: this field requires a person')
}

function vtexIdFailed(httpStatus: number, reason?: string): PonteError {
  return new PonteError(
    VTEX_REQUEST_FAILED,
    httpStatus === 0 ? `VTEX ID could not be reached (${reason ?? 'no answer'})` : `VTEX ID answered ${httpStatus}`,
    'error'
  )
}
