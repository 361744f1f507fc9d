/**
 * @requiresPerson through the runtime's own makeSchema (with its native @auth), on the app's
 * schema and on a test schema for allowAppKey.
 */
import type { Context } from '../clients'
import { buildSchema, runQuery } from '../test-support/graphql'
import { mockContext } from '../test-support/mockContext'
import type { MockRequest } from '../test-support/mockContext'
import { claimsFor, FakeVtexId, mint, signingKey } from '../test-support/vtexIdTokens'
import { personFor } from '../sso'

const ACCOUNT = 'ponteunit'
const schema = buildSchema()
const SESSION = 'userId email account audience expiresAt verifiedBy'

/** A request as the admin's own page sends it: a JSON POST. */
function request(vtexId: FakeVtexId, req: MockRequest) {
  return mockContext({ vtexId, request: { ...req, headers: { 'content-type': 'application/json', ...req.headers } } })
}

describe('@requiresPerson on the app schema', () => {
  it('answers adminSession for an admin cookie: ONLINE, then CACHE', async () => {
    const vtexId = new FakeVtexId()
    const claims = claimsFor({ account: ACCOUNT, audience: 'admin', sub: 'ana@example.com' })
    const token = vtexId.login(claims)
    const first = await runQuery(schema, request(vtexId, { cookies: { VtexIdclientAutCookie: token } }), `{ adminSession { ${SESSION} } }`)
    expect(first.errors).toBeUndefined()
    expect(first.data?.adminSession).toEqual({
      userId: claims.userId,
      email: 'ana@example.com',
      account: ACCOUNT,
      audience: 'ADMIN',
      expiresAt: new Date(claims.exp * 1000).toISOString(),
      verifiedBy: 'ONLINE',
    })
    const second = await runQuery(schema, request(vtexId, { cookies: { VtexIdclientAutCookie: token } }), '{ adminSession { verifiedBy } }')
    expect(second.data?.adminSession.verifiedBy).toBe('CACHE')
    expect(vtexId.calls.validate).toBe(1)
  })

  it('answers storefrontSession for the account storefront cookie', async () => {
    const vtexId = new FakeVtexId()
    const token = vtexId.login(claimsFor({ account: ACCOUNT, audience: 'webstore' }))
    const { data, errors } = await runQuery(
      schema,
      request(vtexId, { cookies: { [`VtexIdclientAutCookie_${ACCOUNT}`]: token } }),
      '{ storefrontSession { audience verifiedBy } }'
    )
    expect(errors).toBeUndefined()
    expect(data?.storefrontSession).toEqual({ audience: 'WEBSTORE', verifiedBy: 'ONLINE' })
  })

  it('gives each field its own person when a query asks for both', async () => {
    const vtexId = new FakeVtexId()
    const ctx = request(vtexId, {
      cookies: {
        VtexIdclientAutCookie: vtexId.login(claimsFor({ account: ACCOUNT, audience: 'admin', sub: 'admin@x.com' })),
        [`VtexIdclientAutCookie_${ACCOUNT}`]: vtexId.login(claimsFor({ account: ACCOUNT, audience: 'webstore', sub: 'shopper@x.com' })),
      },
    })
    const { data, errors } = await runQuery(schema, ctx, '{ a: adminSession { email } s: storefrontSession { email } b: adminSession { email } }')
    expect(errors).toBeUndefined()
    expect(data).toEqual({ a: { email: 'admin@x.com' }, s: { email: 'shopper@x.com' }, b: { email: 'admin@x.com' } })
    expect(vtexId.calls.validate).toBe(2)
  })

  it.each([
    ['no token', 'UNAUTHENTICATED', {}],
    ['a storefront token', 'TOKEN_AUDIENCE_WRONG', { audience: 'webstore' }],
    ['another account', 'TOKEN_ACCOUNT_WRONG', { account: 'other' }],
    ['an expired token', 'TOKEN_EXPIRED', { exp: 1000, iat: 900 }],
  ])('refuses %s with extensions.code %s and no call', async (what, code, overrides) => {
    const vtexId = new FakeVtexId()
    const cookies: Record<string, string> =
      what === 'no token'
        ? {}
        : { VtexIdclientAutCookie: vtexId.login(claimsFor({ account: ACCOUNT, audience: 'admin', ...overrides })) }
    const { data, errors } = await runQuery(schema, request(vtexId, { cookies }), '{ adminSession { email } }')
    expect(data).toBeNull()
    expect(errors).toHaveLength(1)
    expect(errors?.[0].extensions?.code).toBe(code)
    expect(errors?.[0].path).toEqual(['adminSession'])
    expect(vtexId.calls.validate).toBe(0)
  })

  it('refuses a revoked session with TOKEN_REVOKED', async () => {
    const vtexId = new FakeVtexId()
    const forged = mint(signingKey(), claimsFor({ account: ACCOUNT, audience: 'admin' }))
    const { errors } = await runQuery(schema, request(vtexId, { cookies: { VtexIdclientAutCookie: forged } }), '{ adminSession { email } }')
    expect(errors?.[0].extensions?.code).toBe('TOKEN_REVOKED')
  })

  it('marks the response private and uncacheable', async () => {
    const vtexId = new FakeVtexId()
    const ctx = request(vtexId, { cookies: { VtexIdclientAutCookie: vtexId.login(claimsFor({ account: ACCOUNT, audience: 'admin' })) } })
    const cacheControl = { maxAge: 86400, scope: 'public', noCache: false, noStore: false }
    ;(ctx as unknown as { graphql: unknown }).graphql = { cacheControl }
    await runQuery(schema, ctx, '{ adminSession { email } }')
    expect(cacheControl).toEqual({ maxAge: 86400, scope: 'private', noCache: true, noStore: true })
  })

  it('leaves the public catalog fields alone', async () => {
    const ctx = mockContext()
    const { errors } = await runQuery(schema, ctx, '{ categoryTree { id } }')
    expect(errors).toBeUndefined()
  })
})

describe('@requiresPerson(allowAppKey: true)', () => {
  const typeDefs = `
    directive @requiresPerson(audience: PersonAudience!, allowAppKey: Boolean = false) on FIELD_DEFINITION
    enum PersonAudience { ADMIN WEBSTORE }
    type Query {
      integration: String @auth(scope: PUBLIC) @requiresPerson(audience: ADMIN, allowAppKey: true)
      personOnly: String @auth(scope: PUBLIC) @requiresPerson(audience: ADMIN)
    }`
  const who = (_r: unknown, _a: unknown, ctx: Context) => personFor(ctx, 'admin').email
  const appSchema = buildSchema(typeDefs, { Query: { integration: who, personOnly: who } })
  const APP_KEY = `vtexappkey-${ACCOUNT}-PONTE`
  const headers = { 'X-VTEX-API-AppKey': APP_KEY, 'X-VTEX-API-AppToken': 'ponte-sim-apptoken' }

  it('accepts an app key where allowed and refuses it (FORBIDDEN) elsewhere', async () => {
    const vtexId = new FakeVtexId()
    vtexId.addAppKey(APP_KEY, 'ponte-sim-apptoken')
    const allowed = await runQuery(appSchema, request(vtexId, { headers }), '{ integration }')
    expect(allowed).toEqual({ data: { integration: APP_KEY }, errors: undefined })
    const refused = await runQuery(appSchema, request(vtexId, { headers }), '{ personOnly }')
    expect(refused.errors?.[0].extensions?.code).toBe('FORBIDDEN')
    expect(vtexId.calls.appTokenLogin).toBe(1)
  })
})

describe('@requiresPerson against cross-site requests', () => {
  const typeDefs = `
    directive @requiresPerson(audience: PersonAudience!, allowAppKey: Boolean = false, resources: [String!]) on FIELD_DEFINITION
    enum PersonAudience { ADMIN WEBSTORE }
    type Query {
      admin: String @auth(scope: PUBLIC) @requiresPerson(audience: ADMIN)
      store: String @auth(scope: PUBLIC) @requiresPerson(audience: WEBSTORE)
    }
    type Mutation {
      act: String @auth(scope: PUBLIC) @requiresPerson(audience: ADMIN, allowAppKey: true)
      storeAct: String @auth(scope: PUBLIC) @requiresPerson(audience: WEBSTORE)
    }`
  const ok = () => 'done'
  const s = buildSchema(typeDefs, { Query: { admin: ok, store: ok }, Mutation: { act: ok, storeAct: ok } })

  it.each([
    ['text/plain (a form with enctype text/plain)', { 'content-type': 'text/plain' }],
    ['application/x-www-form-urlencoded (a plain form)', { 'content-type': 'application/x-www-form-urlencoded' }],
    ['multipart/form-data', { 'content-type': 'multipart/form-data; boundary=x' }],
    ['no content type (a GET)', {}],
  ])('refuses an admin cookie on %s with CROSS_SITE_REQUEST, before asking VTEX ID', async (_what, headers) => {
    const vtexId = new FakeVtexId()
    const cookies = { VtexIdclientAutCookie: vtexId.login(claimsFor({ account: ACCOUNT, audience: 'admin' })) }
    for (const [query, field] of [['mutation { act }', 'act'], ['{ admin }', 'admin']]) {
      const { data, errors } = await runQuery(s, mockContext({ vtexId, request: { cookies, headers } }), query)
      expect(data).toEqual({ [field]: null })
      expect(errors?.[0].extensions?.code).toBe('CROSS_SITE_REQUEST')
    }
    expect(vtexId.calls.validate).toBe(0)
  })

  it('accepts the same cookie on a JSON request, and a bearer or app key on any', async () => {
    const vtexId = new FakeVtexId()
    const token = vtexId.login(claimsFor({ account: ACCOUNT, audience: 'admin' }))
    const json = await runQuery(s, mockContext({ vtexId, request: { cookies: { VtexIdclientAutCookie: token }, headers: { 'Content-Type': 'application/json; charset=utf-8' } } }), 'mutation { act }')
    expect(json).toEqual({ data: { act: 'done' }, errors: undefined })
    const bearer = await runQuery(s, mockContext({ vtexId, request: { headers: { authorization: `Bearer ${token}`, 'content-type': 'text/plain' } } }), 'mutation { act }')
    expect(bearer.errors).toBeUndefined()
    vtexId.addAppKey(`vtexappkey-${ACCOUNT}-X`, 'tok')
    const appKey = await runQuery(
      s,
      mockContext({ vtexId, request: { headers: { 'X-VTEX-API-AppKey': `vtexappkey-${ACCOUNT}-X`, 'X-VTEX-API-AppToken': 'tok', 'content-type': 'text/plain' } } }),
      'mutation { act }'
    )
    expect(appKey.errors).toBeUndefined()
  })

  it('leaves storefront queries by cookie alone (GET is how a storefront may read), not its mutations', async () => {
    const vtexId = new FakeVtexId()
    const cookies = { [`VtexIdclientAutCookie_${ACCOUNT}`]: vtexId.login(claimsFor({ account: ACCOUNT, audience: 'webstore' })) }
    expect((await runQuery(s, mockContext({ vtexId, request: { cookies } }), '{ store }')).errors).toBeUndefined()
    const refused = await runQuery(s, mockContext({ vtexId, request: { cookies, headers: { 'content-type': 'text/plain' } } }), 'mutation { storeAct }')
    expect(refused.errors?.[0].extensions?.code).toBe('CROSS_SITE_REQUEST')
  })
})
