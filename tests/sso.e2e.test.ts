/**
 * SSO end to end: ponte-sim (VTEX ID, app settings) and the service under the real @vtex/api
 * runtime with the simulator as its HTTP proxy. Tokens are minted by the simulator's VTEX ID,
 * sent as the browser would (cookies) or as code would (Authorization: Bearer), and confirmed
 * by the service with VTEX ID online (credential/validate), from its cache, or by signature
 * once the simulator's key set is in the app's settings. No mocks.
 */
import { join } from 'path'

import type { GraphQLReply } from './support/http'
import { graphql } from './support/http'
import type { Running, Sim } from './support/processes'
import { sleep, startService, startSim, tearDown, workDir } from './support/processes'
import { logout, putAppSettings, simJwks, simLogin } from './support/vtexid'

const ACCOUNT = 'ponte-sso'
const WORKSPACE = 'master'
/** The app's settings key: vendor.name from manifest.json. */
const APP = 'ponte.ponte'
/** Short, so the logout case stays fast; the service's settings cache is 5 s. */
const CACHE_SECONDS = 3

const { work, dataDir } = workDir('sso')

let sim: Sim
let service: Running

beforeAll(async () => {
  sim = await startSim(dataDir)
  // Before the service reads them (it caches settings for a few seconds).
  await putAppSettings(sim.url, ACCOUNT, WORKSPACE, APP, { ssoCacheSeconds: CACHE_SECONDS })
  service = await startService({ simUrl: sim.url, account: ACCOUNT, workspace: WORKSPACE, appDir: join(work, 'app') })
}, 120000)

afterAll(async () => {
  await tearDown(work, [service], sim)
})

const SESSION = 'userId email account audience expiresAt verifiedBy'
const ADMIN = `{ adminSession { ${SESSION} } }`
const STORE = `{ storefrontSession { ${SESSION} } }`

const adminCookie = (token: string) => ({ cookie: `VtexIdclientAutCookie=${token}` })
const storeCookie = (token: string) => ({ cookie: `VtexIdclientAutCookie_${ACCOUNT}=${token}` })

function ask(query: string, headers: Record<string, string> = {}): Promise<GraphQLReply> {
  return graphql(ACCOUNT, WORKSPACE, { query }, { 'x-vtex-credential': 'e2e-app-token', ...headers })
}

function code(reply: GraphQLReply): string | undefined {
  return reply.errors?.[0]?.extensions?.code
}

const login = (email: string, audience: 'admin' | 'webstore', extra: { account?: string; ttlSeconds?: number } = {}) =>
  simLogin(sim.url, extra.account ?? ACCOUNT, { email, audience, ...extra })

describe('refusals made before any call to VTEX ID', () => {
  it('no token: UNAUTHENTICATED, for either field', async () => {
    for (const query of [ADMIN, STORE]) {
      const reply = await ask(query)
      expect(reply.data).toBeNull()
      expect(code(reply)).toBe('UNAUTHENTICATED')
      expect(reply.errors?.[0].message).toMatch(/sign in/)
    }
  })

  it('an expired token: TOKEN_EXPIRED', async () => {
    const { token } = await login('late@example.com', 'admin', { ttlSeconds: -3600 })
    expect(code(await ask(ADMIN, adminCookie(token)))).toBe('TOKEN_EXPIRED')
  })

  it("another account's token: TOKEN_ACCOUNT_WRONG", async () => {
    const { token } = await login('ana@example.com', 'admin', { account: 'another-store' })
    expect(code(await ask(ADMIN, adminCookie(token)))).toBe('TOKEN_ACCOUNT_WRONG')
  })

  it('a storefront token on adminSession: TOKEN_AUDIENCE_WRONG (cookie or bearer)', async () => {
    const { token } = await login('shopper@example.com', 'webstore')
    expect(code(await ask(ADMIN, adminCookie(token)))).toBe('TOKEN_AUDIENCE_WRONG')
    expect(code(await ask(ADMIN, { authorization: `Bearer ${token}` }))).toBe('TOKEN_AUDIENCE_WRONG')
  })

  it('garbage: TOKEN_MALFORMED, and the token is not echoed', async () => {
    const reply = await ask(ADMIN, adminCookie('not-a-jwt-secret-value'))
    expect(code(reply)).toBe('TOKEN_MALFORMED')
    expect(JSON.stringify(reply)).not.toContain('not-a-jwt-secret-value')
  })
})

describe('valid tokens, confirmed online then from the cache', () => {
  it('an admin token (cookie VtexIdclientAutCookie): ONLINE, then CACHE', async () => {
    const issued = await login('Ana@Example.com', 'admin')
    const first = await ask(ADMIN, adminCookie(issued.token))
    expect(first.errors).toBeUndefined()
    expect(first.data?.adminSession).toMatchObject({
      userId: issued.userId,
      email: 'ana@example.com',
      account: ACCOUNT,
      audience: 'ADMIN',
      verifiedBy: 'ONLINE',
    })
    const expiresAt = Date.parse(first.data?.adminSession.expiresAt)
    expect(expiresAt - Date.now()).toBeGreaterThan(86_000_000)
    expect(expiresAt - Date.now()).toBeLessThanOrEqual(86_400_000)
    const second = await ask(ADMIN, adminCookie(issued.token))
    expect(second.data?.adminSession).toEqual({ ...first.data?.adminSession, verifiedBy: 'CACHE' })
  })

  it('a webstore token (cookie VtexIdclientAutCookie_{account}, then bearer): ONLINE, then CACHE', async () => {
    const issued = await login('shopper@example.com', 'webstore')
    const first = await ask(STORE, storeCookie(issued.token))
    expect(first.errors).toBeUndefined()
    expect(first.data?.storefrontSession).toMatchObject({ userId: issued.userId, audience: 'WEBSTORE', verifiedBy: 'ONLINE' })
    const second = await ask(STORE, { authorization: `Bearer ${issued.token}` })
    expect(second.data?.storefrontSession.verifiedBy).toBe('CACHE')
  })

  // Locally the runtime runs linked and not in production, so it says no-cache, no-store for
  // every answer anyway; node/directives/requiresPerson.test.ts checks the directive's own flags.
  it('answers person-bound fields private and uncached', async () => {
    const { token } = await login('ana@example.com', 'admin')
    const res = await fetch(`http://localhost:5050/${ACCOUNT}/${WORKSPACE}/_v/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-vtex-account': ACCOUNT, 'x-vtex-workspace': WORKSPACE, ...adminCookie(token) },
      body: JSON.stringify({ query: '{ adminSession { email } }' }),
    })
    expect(res.status).toBe(200)
    expect(res.headers.get('cache-control')).toMatch(/no-cache/)
    expect(res.headers.get('cache-control')).toMatch(/no-store/)
  })

  it('a logged-out token: accepted while its cache entry lasts, then TOKEN_REVOKED', async () => {
    const { token } = await login('leaving@example.com', 'admin')
    const confirmedAt = Date.now()
    expect((await ask(ADMIN, adminCookie(token))).data?.adminSession.verifiedBy).toBe('ONLINE')
    await logout(sim.url, ACCOUNT, token)
    const meanwhile = await ask(ADMIN, adminCookie(token))
    if (Date.now() - confirmedAt < CACHE_SECONDS * 1000 - 500) expect(meanwhile.data?.adminSession.verifiedBy).toBe('CACHE')
    await sleep(Math.max(0, confirmedAt + CACHE_SECONDS * 1000 + 200 - Date.now()))
    const after = await ask(ADMIN, adminCookie(token))
    expect(after.data).toBeNull()
    expect(code(after)).toBe('TOKEN_REVOKED')
  })
})

describe('the admin session route (requirePerson, app keys allowed)', () => {
  const route = (headers: Record<string, string>) =>
    fetch('http://localhost:5050/_v/ponte/admin/session', {
      // VTEX IO always sends the app's own token (x-vtex-credential), public routes included.
      headers: { 'x-vtex-account': ACCOUNT, 'x-vtex-workspace': WORKSPACE, 'x-vtex-credential': 'e2e-app-token', 'x-colossus-route-id': 'adminSession', ...headers },
    })

  it('answers 401 with the code without a credential', async () => {
    const res = await route({})
    expect(res.status).toBe(401)
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/)
    expect(await res.json()).toMatchObject({ code: 'UNAUTHENTICATED' })
  })

  it('accepts the account app key (exchanged with VTEX ID), then from the cache', async () => {
    const appKey = `vtexappkey-${ACCOUNT}-PONTE`
    const headers = { 'X-VTEX-API-AppKey': appKey, 'X-VTEX-API-AppToken': 'ponte-sim-apptoken' }
    const res = await route(headers)
    expect(res.status).toBe(200)
    const body = (await res.json()) as Record<string, string | null>
    expect(body).toMatchObject({ userId: null, audience: 'ADMIN', verifiedBy: 'ONLINE' })
    expect(body.email?.toLowerCase()).toBe(appKey.toLowerCase())
    expect(await (await route(headers)).json()).toMatchObject({ verifiedBy: 'CACHE' })
    const wrong = await route({ ...headers, 'X-VTEX-API-AppToken': 'wrong' })
    expect(wrong.status).toBe(401)
    expect(await wrong.json()).toMatchObject({ code: 'APP_KEY_INVALID' })
  })

  it('accepts an admin bearer token', async () => {
    const { token } = await login('ana@example.com', 'admin')
    const res = await route({ authorization: `Bearer ${token}` })
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ email: 'ana@example.com', audience: 'ADMIN' })
  })
})

describe("with the simulator's key set in the app's settings", () => {
  it('verifies by SIGNATURE, and refuses a token from another account by its claims first', async () => {
    const jwks = await simJwks(sim.url, ACCOUNT)
    await putAppSettings(sim.url, ACCOUNT, WORKSPACE, APP, { jwks, ssoCacheSeconds: CACHE_SECONDS })
    const { token } = await login('signed@example.com', 'admin')
    // The service rereads its settings within a few seconds.
    let verifiedBy: string | undefined
    for (const deadline = Date.now() + 15000; Date.now() < deadline; await sleep(500)) {
      const reply = await ask(ADMIN, adminCookie(token))
      expect(reply.errors).toBeUndefined()
      verifiedBy = reply.data?.adminSession.verifiedBy
      if (verifiedBy === 'SIGNATURE') break
    }
    expect(verifiedBy).toBe('SIGNATURE')
    const store = await login('shopper@example.com', 'webstore')
    expect((await ask(STORE, storeCookie(store.token))).data?.storefrontSession.verifiedBy).toBe('SIGNATURE')
    const elsewhere = await login('ana@example.com', 'admin', { account: 'another-store' })
    expect(code(await ask(ADMIN, adminCookie(elsewhere.token)))).toBe('TOKEN_ACCOUNT_WRONG')
  })
})
