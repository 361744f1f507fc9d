import type { Context } from '../clients'
import { PonteError } from '../lib/errors'
import { mockContext } from '../test-support/mockContext'
import type { MockRequest } from '../test-support/mockContext'
import { claimsFor, FakeVtexId, malleate, mint, signingKey } from '../test-support/vtexIdTokens'
import type { Person, Requirement } from './authenticator'
import { parseSettings, PersonAuthenticator } from './authenticator'
import { authenticatePerson, personFor } from '.'

const ACCOUNT = 'ponteunit'
const T0 = 1_750_000_000

/** An authenticator on a clock the test moves, a fake VTEX ID, and counted settings reads. */
function setup(settings: unknown = {}, options: { maxEntries?: number } = {}) {
  let nowMs = T0 * 1000
  const auth = new PersonAuthenticator({ now: () => nowMs, maxEntries: options.maxEntries })
  const vtexId = new FakeVtexId(signingKey(), () => nowMs)
  const counts = { settings: 0 }
  const logs: Array<{ level: string; entry: unknown }> = []
  let currentSettings = settings
  let settingsFail = false

  function context(request: MockRequest = {}): Context {
    const ctx = mockContext({ vtexId, request: { logs, ...request } })
    ;(ctx.clients as unknown as { apps: unknown }).apps = {
      getAppSettings: async () => {
        counts.settings += 1
        if (settingsFail) throw Object.assign(new Error('Request failed with status code 500'), { response: { status: 500 } })
        return currentSettings
      },
    }
    return ctx
  }

  async function check(request: MockRequest, requirement: Requirement): Promise<Person> {
    return authenticatePerson(context(request), requirement, auth)
  }

  async function refusal(request: MockRequest, requirement: Requirement): Promise<string> {
    try {
      await check(request, requirement)
    } catch (e) {
      expect(e).toBeInstanceOf(PonteError)
      return (e as PonteError).code
    }
    throw new Error('expected a refusal')
  }

  /** A token VTEX ID issued (the fake confirms it until logout). */
  const login = (audience: 'admin' | 'webstore', overrides: Parameters<typeof claimsFor>[0] | object = {}) =>
    vtexId.login(claimsFor({ account: ACCOUNT, audience, ...overrides }, Math.floor(nowMs / 1000)))

  return {
    auth,
    vtexId,
    counts,
    logs,
    check,
    refusal,
    login,
    context,
    advance: (seconds: number) => (nowMs += seconds * 1000),
    nowS: () => Math.floor(nowMs / 1000),
    setSettings: (s: unknown) => (currentSettings = s),
    failSettings: () => (settingsFail = true),
  }
}

const admin: Requirement = { audience: 'admin' }
const webstore: Requirement = { audience: 'webstore' }
const adminCookie = (token: string): MockRequest => ({ cookies: { VtexIdclientAutCookie: token } })
const storeCookie = (token: string, account = ACCOUNT): MockRequest => ({ cookies: { [`VtexIdclientAutCookie_${account}`]: token } })
const bearer = (token: string): MockRequest => ({ headers: { Authorization: `Bearer ${token}` } })

/** Confirmed online, then answered from the cache for `seconds` (until `seconds - 1` s later), then online again. */
async function expectCachedFor(t: ReturnType<typeof setup>, request: MockRequest, requirement: Requirement, seconds: number) {
  await t.check(request, requirement)
  t.advance(seconds - 1)
  expect((await t.check(request, requirement)).verifiedBy).toBe('CACHE')
  t.advance(2)
  expect((await t.check(request, requirement)).verifiedBy).toBe('ONLINE')
  expect(t.vtexId.calls.validate).toBe(2)
}

describe('the order of checks: refusals the core can make cost no network call', () => {
  it('no credential at all is UNAUTHENTICATED', async () => {
    const t = setup()
    expect(await t.refusal({}, admin)).toBe('UNAUTHENTICATED')
    expect(await t.refusal({}, webstore)).toBe('UNAUTHENTICATED')
    expect(await t.refusal({ headers: { Authorization: 'Basic abc' } }, admin)).toBe('UNAUTHENTICATED')
    expect(t.vtexId.calls).toEqual({ validate: 0, appTokenLogin: 0 })
    expect(t.counts.settings).toBe(0)
  })

  const key = signingKey()
  const now = T0
  it.each<[string, string, () => string]>([
    ['a malformed token', 'TOKEN_MALFORMED', () => 'not-a-token'],
    ['alg none', 'TOKEN_ALG_UNSUPPORTED', () => mint(key, claimsFor({ account: ACCOUNT, audience: 'admin' }, now), { header: { alg: 'none' } })],
    ['HS256', 'TOKEN_ALG_UNSUPPORTED', () => mint(key, claimsFor({ account: ACCOUNT, audience: 'admin' }, now), { header: { alg: 'HS256' } })],
    ['a missing claim', 'TOKEN_CLAIMS_INVALID', () => mint(key, { ...claimsFor({ account: ACCOUNT, audience: 'admin' }, now), jti: undefined } as never)],
    ['another issuer', 'TOKEN_ISSUER_WRONG', () => mint(key, claimsFor({ account: ACCOUNT, audience: 'admin', iss: 'evil' }, now))],
    ['a storefront token', 'TOKEN_AUDIENCE_WRONG', () => mint(key, claimsFor({ account: ACCOUNT, audience: 'webstore' }, now))],
    ['another account', 'TOKEN_ACCOUNT_WRONG', () => mint(key, claimsFor({ account: 'other', audience: 'admin' }, now))],
    ['an account differing in case', 'TOKEN_ACCOUNT_WRONG', () => mint(key, claimsFor({ account: ACCOUNT.toUpperCase(), audience: 'admin' }, now))],
    ['an expired token', 'TOKEN_EXPIRED', () => mint(key, claimsFor({ account: ACCOUNT, audience: 'admin', iat: now - 90000, exp: now - 60 }, now))],
    ['a token from the future', 'TOKEN_NOT_YET_VALID', () => mint(key, claimsFor({ account: ACCOUNT, audience: 'admin', iat: now + 3600, exp: now + 90000 }, now))],
    ['a huge token', 'TOKEN_TOO_LARGE', () => 'a'.repeat(9000)],
  ])('%s is refused (%s) before any call', async (_what, code, token) => {
    const t = setup()
    expect(await t.refusal(adminCookie(token()), admin)).toBe(code)
    expect(t.vtexId.calls.validate).toBe(0)
    expect(t.counts.settings).toBe(0)
  })

  it('accepts a token expired within the leeway (30 s), and refuses it after', async () => {
    const t = setup()
    const token = t.login('admin', { exp: t.nowS() + 10 })
    t.advance(35)
    expect((await t.check(adminCookie(token), admin)).verifiedBy).toBe('ONLINE')
    t.advance(10)
    expect(await t.refusal(adminCookie(token), admin)).toBe('TOKEN_EXPIRED')
  })
})

describe('online confirmation and its cache', () => {
  it('confirms online once, then answers from the cache', async () => {
    const t = setup()
    const token = t.login('admin', { sub: 'ana@example.com' })
    const first = await t.check(adminCookie(token), admin)
    expect(first).toMatchObject({ email: 'ana@example.com', account: ACCOUNT, audience: 'admin', verifiedBy: 'ONLINE', isAppKey: false })
    expect(first.userId).toMatch(/^[0-9a-f-]{36}$/)
    expect(first.expiresAt).toBe(T0 + 86400)
    const second = await t.check(adminCookie(token), admin)
    expect(second).toEqual({ ...first, verifiedBy: 'CACHE' })
    expect(t.vtexId.calls.validate).toBe(1)
    // Settings are read once and kept briefly too.
    expect(t.counts.settings).toBe(1)
  })

  it('keeps a confirmation ssoCacheSeconds (default 60 s), then asks again', async () => {
    const t = setup()
    await expectCachedFor(t, storeCookie(t.login('webstore')), webstore, 60)
  })

  it('takes the cache time from the settings, and 0 turns the cache off', async () => {
    const t = setup({ ssoCacheSeconds: 5 })
    await expectCachedFor(t, adminCookie(t.login('admin')), admin, 5)

    const off = setup({ ssoCacheSeconds: 0 })
    const other = off.login('admin')
    await off.check(adminCookie(other), admin)
    expect((await off.check(adminCookie(other), admin)).verifiedBy).toBe('ONLINE')
    expect(off.vtexId.calls.validate).toBe(2)
    expect(off.auth.cacheSize).toBe(0)
  })

  it('never keeps a confirmation beyond the token exp', async () => {
    const t = setup({ ssoCacheSeconds: 300 })
    // At exp + 1 s, within the leeway: the core still accepts the token, the cache no longer holds it.
    await expectCachedFor(t, adminCookie(t.login('admin', { exp: T0 + 10 })), admin, 10)
  })

  it('refuses a logged-out token (TOKEN_REVOKED) once its cache entry ends, and never caches the refusal', async () => {
    const t = setup({ ssoCacheSeconds: 10 })
    const token = t.login('admin')
    await t.check(adminCookie(token), admin)
    t.vtexId.logout(token)
    expect((await t.check(adminCookie(token), admin)).verifiedBy).toBe('CACHE')
    t.advance(11)
    expect(await t.refusal(adminCookie(token), admin)).toBe('TOKEN_REVOKED')
    expect(await t.refusal(adminCookie(token), admin)).toBe('TOKEN_REVOKED')
    expect(t.vtexId.calls.validate).toBe(3)
  })

  it('refuses a token VTEX ID never issued (a forged signature) as TOKEN_REVOKED', async () => {
    const t = setup()
    const forged = mint(signingKey(), claimsFor({ account: ACCOUNT, audience: 'admin' }, T0))
    expect(await t.refusal(adminCookie(forged), admin)).toBe('TOKEN_REVOKED')
  })

  it('keys the cache by the session and claims, not the raw token: both spellings of one signature share it', async () => {
    const t = setup()
    const token = t.login('admin')
    await t.check(adminCookie(token), admin)
    expect((await t.check(adminCookie(malleate(token)), admin)).verifiedBy).toBe('CACHE')
    expect(t.vtexId.calls.validate).toBe(1)
  })

  it('makes one online call for concurrent requests with one token', async () => {
    const t = setup()
    const token = t.login('admin')
    const people = await Promise.all([1, 2, 3].map(() => t.check(adminCookie(token), admin)))
    expect(people.map((p) => p.verifiedBy)).toEqual(['ONLINE', 'ONLINE', 'ONLINE'])
    expect(t.vtexId.calls.validate).toBe(1)
  })

  it('is bounded: the least recently used confirmation goes first', async () => {
    const t = setup({}, { maxEntries: 2 })
    const [a, b, c] = [t.login('admin'), t.login('admin'), t.login('admin')]
    await t.check(adminCookie(a), admin)
    await t.check(adminCookie(b), admin)
    await t.check(adminCookie(a), admin) // a is now the most recent
    await t.check(adminCookie(c), admin) // evicts b
    expect(t.auth.cacheSize).toBe(2)
    expect((await t.check(adminCookie(a), admin)).verifiedBy).toBe('CACHE')
    expect((await t.check(adminCookie(b), admin)).verifiedBy).toBe('ONLINE')
  })

  it('refuses a confirmation for another account or audience', async () => {
    const t = setup()
    const token = t.login('admin')
    jest.spyOn(t.vtexId, 'validate').mockResolvedValueOnce({
      status: 'confirmed',
      confirmation: { authStatus: 'Success', user: 'ana@example.com', account: 'other', audience: 'admin' },
    })
    expect(await t.refusal(adminCookie(token), admin)).toBe('TOKEN_ACCOUNT_WRONG')
    jest.spyOn(t.vtexId, 'validate').mockResolvedValueOnce({
      status: 'confirmed',
      confirmation: { authStatus: 'Success', user: 'ana@example.com', account: ACCOUNT, audience: 'webstore' },
    })
    expect(await t.refusal(adminCookie(token), admin)).toBe('TOKEN_AUDIENCE_WRONG')
    jest.spyOn(t.vtexId, 'validate').mockResolvedValueOnce({
      status: 'confirmed',
      confirmation: { authStatus: 'Success', user: 'bob@example.com', account: ACCOUNT, audience: 'admin' },
    })
    expect(await t.refusal(adminCookie(token), admin)).toBe('TOKEN_CLAIMS_INVALID')
    expect(t.auth.cacheSize).toBe(0)
  })

  it('reports VTEX ID failures as VTEX_REQUEST_FAILED and caches nothing', async () => {
    const t = setup()
    const token = t.login('admin')
    t.vtexId.failWith = 503
    expect(await t.refusal(adminCookie(token), admin)).toBe('VTEX_REQUEST_FAILED')
    t.vtexId.failWith = null
    expect((await t.check(adminCookie(token), admin)).verifiedBy).toBe('ONLINE')
  })

  it('confirms online when the settings cannot be read, and says so in the log', async () => {
    const t = setup({ jwks: signingKey().jwks })
    t.failSettings()
    const token = t.login('admin')
    expect((await t.check(adminCookie(token), admin)).verifiedBy).toBe('ONLINE')
    expect(t.logs).toEqual([{ level: 'warn', entry: expect.objectContaining({ status: 500 }) }])
  })
})

describe('signatures against the configured key set', () => {
  it('verifies by signature, with no online call', async () => {
    const t = setup()
    t.setSettings({ jwks: t.vtexId.key.jwks })
    const token = t.login('admin')
    expect((await t.check(adminCookie(token), admin)).verifiedBy).toBe('SIGNATURE')
    expect((await t.check(adminCookie(token), admin)).verifiedBy).toBe('SIGNATURE')
    expect(t.vtexId.calls.validate).toBe(0)
  })

  it('refuses another key, a high-s spelling and an invalid key set', async () => {
    // Same kid as the fake VTEX ID's key, another key pair.
    const t = setup({ jwks: signingKey().jwks })
    const token = t.login('admin')
    expect(await t.refusal(adminCookie(token), admin)).toBe('TOKEN_SIGNATURE_INVALID')

    const own = setup({ jwks: '' })
    own.setSettings({ jwks: own.vtexId.key.jwks })
    expect(await own.refusal(adminCookie(malleate(own.login('admin'))), admin)).toBe('TOKEN_SIGNATURE_NOT_CANONICAL')
    const unknownKid = mint({ ...own.vtexId.key, kid: 'OTHER' }, claimsFor({ account: ACCOUNT, audience: 'admin' }, T0))
    expect(await own.refusal(adminCookie(unknownKid), admin)).toBe('TOKEN_KEY_UNKNOWN')

    const broken = setup({ jwks: '{"keys": 3}' })
    expect(await broken.refusal(adminCookie(broken.login('admin')), admin)).toBe('JWKS_INVALID')
    expect(t.vtexId.calls.validate + own.vtexId.calls.validate + broken.vtexId.calls.validate).toBe(0)
  })
})

describe('where the token comes from', () => {
  it('reads the admin cookie for admin and the account storefront cookie for webstore', async () => {
    const t = setup()
    const adminToken = t.login('admin')
    const storeToken = t.login('webstore')
    const both: MockRequest = { cookies: { VtexIdclientAutCookie: adminToken, [`VtexIdclientAutCookie_${ACCOUNT}`]: storeToken } }
    expect((await t.check(both, admin)).audience).toBe('admin')
    expect((await t.check(both, webstore)).audience).toBe('webstore')
    // Each context has one cookie: the other one is never read.
    expect(await t.refusal(adminCookie(adminToken), webstore)).toBe('UNAUTHENTICATED')
    expect(await t.refusal(storeCookie(storeToken), admin)).toBe('UNAUTHENTICATED')
    expect(await t.refusal(storeCookie(storeToken, 'other'), webstore)).toBe('UNAUTHENTICATED')
  })

  it('takes an Authorization: Bearer header first, for either audience', async () => {
    const t = setup()
    const storeToken = t.login('webstore')
    expect((await t.check(bearer(storeToken), webstore)).audience).toBe('webstore')
    const adminToken = t.login('admin', { sub: 'bearer@example.com' })
    const person = await t.check({ ...bearer(adminToken), cookies: { VtexIdclientAutCookie: t.login('admin') } }, admin)
    expect(person.email).toBe('bearer@example.com')
    expect(await t.refusal(bearer(storeToken), admin)).toBe('TOKEN_AUDIENCE_WRONG')
  })

  it('keeps the person per audience on ctx.state, one check per request', async () => {
    const t = setup()
    const ctx = t.context({
      cookies: { VtexIdclientAutCookie: t.login('admin', { sub: 'a@x.com' }), [`VtexIdclientAutCookie_${ACCOUNT}`]: t.login('webstore', { sub: 's@x.com' }) },
    })
    await Promise.all([
      authenticatePerson(ctx, admin, t.auth),
      authenticatePerson(ctx, webstore, t.auth),
      authenticatePerson(ctx, admin, t.auth),
    ])
    expect(personFor(ctx, 'admin').email).toBe('a@x.com')
    expect(personFor(ctx, 'webstore').email).toBe('s@x.com')
    expect(t.vtexId.calls.validate).toBe(2)
    expect(() => personFor(t.context(), 'admin')).toThrow(expect.objectContaining({ code: 'UNAUTHENTICATED' }))
  })
})

describe('app keys', () => {
  const APP_KEY = `vtexappkey-${ACCOUNT}-PONTE`
  const appKey = (appToken = 'ponte-sim-apptoken'): MockRequest => ({
    headers: { 'X-VTEX-API-AppKey': APP_KEY, 'X-VTEX-API-AppToken': appToken },
  })

  it('exchanges the pair with VTEX ID where allowed, then caches the exchange', async () => {
    const t = setup()
    t.vtexId.addAppKey(APP_KEY, 'ponte-sim-apptoken')
    const person = await t.check(appKey(), { audience: 'admin', allowAppKey: true })
    expect(person).toMatchObject({ email: APP_KEY, userId: null, isAppKey: true, audience: 'admin', verifiedBy: 'ONLINE' })
    expect((await t.check(appKey(), { audience: 'admin', allowAppKey: true })).verifiedBy).toBe('CACHE')
    expect(t.vtexId.calls.appTokenLogin).toBe(1)
  })

  it('is FORBIDDEN where not allowed, before any call, as headers or as a token', async () => {
    const t = setup()
    t.vtexId.addAppKey(APP_KEY, 'ponte-sim-apptoken')
    expect(await t.refusal(appKey(), admin)).toBe('FORBIDDEN')
    expect(t.vtexId.calls).toEqual({ validate: 0, appTokenLogin: 0 })
    const appToken = t.login('admin', { sub: APP_KEY, sess: undefined, userId: undefined })
    expect(await t.refusal(bearer(appToken), admin)).toBe('FORBIDDEN')
    expect(t.vtexId.calls.validate).toBe(0)
  })

  it('refuses a wrong app token (APP_KEY_INVALID) and a storefront field (no call)', async () => {
    const t = setup()
    t.vtexId.addAppKey(APP_KEY, 'ponte-sim-apptoken')
    expect(await t.refusal(appKey('wrong'), { audience: 'admin', allowAppKey: true })).toBe('APP_KEY_INVALID')
    expect(await t.refusal(appKey(), { audience: 'webstore', allowAppKey: true })).toBe('TOKEN_AUDIENCE_WRONG')
    expect(t.vtexId.calls.appTokenLogin).toBe(1)
  })

  it('prefers a person token to app key headers', async () => {
    const t = setup()
    const person = await t.check({ ...appKey(), ...adminCookie(t.login('admin')) }, admin)
    expect(person.isAppKey).toBe(false)
  })
})

describe('settings', () => {
  it.each([
    [undefined, { jwks: null, cacheSeconds: 60 }],
    [{ jwks: '  ', ssoCacheSeconds: 'x' }, { jwks: null, cacheSeconds: 60 }],
    [{ jwks: '{"keys":[]}', ssoCacheSeconds: 5 }, { jwks: '{"keys":[]}', cacheSeconds: 5 }],
    [{ jwks: { keys: [] }, ssoCacheSeconds: 100000 }, { jwks: '{"keys":[]}', cacheSeconds: 300 }],
    [{ ssoCacheSeconds: -1 }, { jwks: null, cacheSeconds: 60 }],
    [{ ssoCacheSeconds: 0 }, { jwks: null, cacheSeconds: 0 }],
  ])('parses %j', (raw, expected) => {
    expect(parseSettings(raw)).toEqual(expected)
  })
})
