import type { Context } from '../clients'
import { adminSession } from '../routes/session'
import { PersonAuthenticator } from '../sso/authenticator'
import { mockContext } from '../test-support/mockContext'
import type { MockRequest } from '../test-support/mockContext'
import { claimsFor, FakeVtexId } from '../test-support/vtexIdTokens'
import { httpStatusFor, requirePerson } from './requirePerson'

const ACCOUNT = 'ponteunit'

async function call(vtexId: FakeVtexId, req: MockRequest, allowAppKey = true) {
  const ctx = mockContext({ vtexId, request: req }) as Context & { responseHeaders: Record<string, string>; status?: number }
  const middleware = requirePerson({ audience: 'admin', allowAppKey }, new PersonAuthenticator())
  const next = jest.fn(() => adminSession(ctx, async () => undefined))
  await middleware(ctx, next)
  return { ctx, next, body: ctx.body as Record<string, unknown>, headers: ctx.responseHeaders }
}

describe('requirePerson (routes)', () => {
  it('lets a confirmed person through, with the person on ctx.state', async () => {
    const vtexId = new FakeVtexId()
    const token = vtexId.login(claimsFor({ account: ACCOUNT, audience: 'admin', sub: 'ana@example.com' }))
    const { next, body, headers, ctx } = await call(vtexId, { headers: { authorization: `Bearer ${token}` } })
    expect(next).toHaveBeenCalledTimes(1)
    expect(body).toMatchObject({ email: 'ana@example.com', audience: 'ADMIN', verifiedBy: 'ONLINE' })
    expect(ctx.state.persons?.admin?.email).toBe('ana@example.com')
    expect(headers['cache-control']).toBe('no-store')
  })

  it('answers 401 with the code and WWW-Authenticate, without calling the handler', async () => {
    const { next, body, headers, ctx } = await call(new FakeVtexId(), {})
    expect(next).not.toHaveBeenCalled()
    expect(ctx.status).toBe(401)
    expect(body).toEqual({ code: 'UNAUTHENTICATED', message: expect.stringContaining('sign in') })
    expect(headers['www-authenticate']).toBe('Bearer realm="VTEX ID"')
  })

  it('answers 403 for an app key where none is allowed, and accepts one where allowed', async () => {
    const vtexId = new FakeVtexId()
    const APP_KEY = `vtexappkey-${ACCOUNT}-PONTE`
    vtexId.addAppKey(APP_KEY, 'secret')
    const headers = { 'x-vtex-api-appkey': APP_KEY, 'x-vtex-api-apptoken': 'secret' }
    const refused = await call(vtexId, { headers }, false)
    expect(refused.ctx.status).toBe(403)
    expect(refused.body.code).toBe('FORBIDDEN')
    const allowed = await call(vtexId, { headers }, true)
    expect(allowed.body).toMatchObject({ email: APP_KEY, userId: null, verifiedBy: 'ONLINE' })
  })

  it('logs the refusal by code only', async () => {
    const logs: Array<{ level: string; entry: unknown }> = []
    await call(new FakeVtexId(), { logs, cookies: { VtexIdclientAutCookie: 'garbage.token.here' } })
    expect(logs).toEqual([{ level: 'warn', entry: { message: 'SSO: request refused', code: 'TOKEN_MALFORMED', reason: expect.stringContaining('malformed'), route: 'test' } }])
  })

  it.each([
    ['UNAUTHENTICATED', 401],
    ['TOKEN_EXPIRED', 401],
    ['TOKEN_REVOKED', 401],
    ['APP_KEY_INVALID', 401],
    ['FORBIDDEN', 403],
    ['VTEX_REQUEST_FAILED', 502],
    ['JWKS_INVALID', 500],
  ])('maps %s to HTTP %d', (code, status) => {
    expect(httpStatusFor(code)).toBe(status)
  })
})
