/**
 * Tokens never appear in logs, error messages or error payloads. Every refusal path runs through
 * the GraphQL directive (errors formatted the way the runtime does, stack traces included) and
 * the route middleware, while everything written to the logger, the console and stdout/stderr is
 * captured; then the captured text is searched for each token and each of its three parts.
 */
import { formatApolloErrors } from 'apollo-server-errors'
import { execute, parse } from 'graphql'

import { VtexId } from '../clients/vtexId'
import { requirePerson } from '../middlewares/requirePerson'
import { buildSchema } from '../test-support/graphql'
import { mockContext } from '../test-support/mockContext'
import type { MockRequest } from '../test-support/mockContext'
import { claimsFor, FakeVtexId, malleate, mint, signingKey } from '../test-support/vtexIdTokens'
import { PersonAuthenticator } from './authenticator'

const ACCOUNT = 'ponteunit'
const schema = buildSchema()
const key = signingKey()
const now = Math.floor(Date.now() / 1000)
const claims = (o: object = {}) => claimsFor({ account: ACCOUNT, audience: 'admin', ...o }, now)

const captured: string[] = []
const secrets: string[] = []

function secret<T extends string>(token: T): T {
  secrets.push(token, ...token.split('.').filter((part) => part.length >= 8))
  return token
}

beforeAll(() => {
  for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    jest.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      captured.push(args.map((a) => (a instanceof Error ? `${a.message}\n${a.stack}` : JSON.stringify(a))).join(' '))
    })
  }
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream)
    jest.spyOn(stream, 'write').mockImplementation(((chunk: unknown, ...rest: unknown[]) => {
      captured.push(String(chunk))
      return (write as (...a: unknown[]) => boolean)(chunk, ...rest)
    }) as typeof stream.write)
  }
})

afterAll(() => jest.restoreAllMocks())

interface Scenario {
  name: string
  request: (vtexId: FakeVtexId) => MockRequest
  settings?: unknown
  prepare?: (vtexId: FakeVtexId) => void
}

const APP_KEY = `vtexappkey-${ACCOUNT}-PONTE`
const scenarios: Scenario[] = [
  { name: 'malformed', request: () => ({ cookies: { VtexIdclientAutCookie: secret('eyJzZWNyZXQiOiJ4In0.c2VjcmV0LXBheWxvYWQ.c2lnbmF0dXJlLWxlYWs') } }) },
  { name: 'alg none', request: () => ({ cookies: { VtexIdclientAutCookie: secret(mint(key, claims(), { header: { alg: 'none' } })) } }) },
  { name: 'kid echoing', request: () => ({ cookies: { VtexIdclientAutCookie: secret(mint(key, claims(), { header: { alg: 'HS256', kid: 'x'.repeat(300) } })) } }) },
  { name: 'expired', request: () => ({ headers: { authorization: `Bearer ${secret(mint(key, claims({ exp: now - 3600, iat: now - 90000 })))}` } }) },
  { name: 'other account', request: () => ({ cookies: { VtexIdclientAutCookie: secret(mint(key, claims({ account: 'other-account' }))) } }) },
  { name: 'wrong audience', request: () => ({ cookies: { VtexIdclientAutCookie: secret(mint(key, claims({ audience: 'webstore' }))) } }) },
  { name: 'revoked', request: () => ({ cookies: { VtexIdclientAutCookie: secret(mint(key, claims())) } }) },
  {
    name: 'VTEX ID down',
    request: (v) => ({ cookies: { VtexIdclientAutCookie: secret(v.login(claims())) } }),
    prepare: (v) => (v.failWith = 503),
  },
  { name: 'bad signature', settings: { jwks: key.jwks }, request: () => ({ cookies: { VtexIdclientAutCookie: secret(mint(signingKey(), claims())) } }) },
  { name: 'high s', settings: { jwks: key.jwks }, request: () => ({ cookies: { VtexIdclientAutCookie: secret(malleate(mint(key, claims()))) } }) },
  { name: 'invalid key set', settings: { jwks: '{"keys":[{"kty":"EC"}]}' }, request: () => ({ cookies: { VtexIdclientAutCookie: secret(mint(key, claims())) } }) },
  {
    name: 'wrong app token',
    request: () => ({ headers: { 'x-vtex-api-appkey': APP_KEY, 'x-vtex-api-apptoken': secret('app-token-that-must-not-leak') } }),
  },
  {
    name: 'app key not allowed',
    request: () => ({ headers: { 'x-vtex-api-appkey': APP_KEY, 'x-vtex-api-apptoken': secret('another-app-token-never-shown') } }),
  },
]

describe('no token in logs or errors', () => {
  it.each(scenarios.map((s) => [s.name, s] as const))('%s', async (_name, scenario) => {
    const vtexId = new FakeVtexId(key)
    scenario.prepare?.(vtexId)
    const logs: Array<{ level: string; entry: unknown }> = []
    const request = { ...scenario.request(vtexId), logs, settings: scenario.settings }

    // Through the directive, errors formatted as the runtime does (with stack traces).
    const response = await execute({ schema, document: parse('{ adminSession { email } }'), contextValue: mockContext({ vtexId, request }) })
    expect(response.errors).toHaveLength(1)
    const formatted = formatApolloErrors(response.errors ?? [], { debug: true })
    captured.push(JSON.stringify(formatted), ...(response.errors ?? []).map((e) => `${e.message}\n${e.stack}\n${e.originalError?.stack}`))

    // Through the route middleware, which logs the refusal itself.
    const ctx = mockContext({ vtexId, request })
    await requirePerson({ audience: 'admin', allowAppKey: scenario.name === 'wrong app token' }, new PersonAuthenticator())(ctx, async () => undefined)
    captured.push(JSON.stringify(ctx.body))
    captured.push(JSON.stringify(logs))
    expect(logs.length).toBeGreaterThan(0)
  })

  it('the VTEX ID client drops transport errors, whose config holds the body', async () => {
    const client = new VtexId({ account: ACCOUNT, workspace: 'master', authToken: 'x' } as never)
    const token = secret(mint(key, claims()))
    ;(client as unknown as { http: { postRaw: unknown } }).http.postRaw = async (_u: string, body: unknown) => {
      throw Object.assign(new Error('connect ECONNREFUSED'), { config: { data: JSON.stringify(body) } })
    }
    const answer = await client.validate(token)
    captured.push(JSON.stringify(answer))
  })

  afterAll(() => {
    const everything = captured.join('\n')
    expect(everything.length).toBeGreaterThan(1000)
    // The check can fail: a planted secret is found.
    expect(`${everything}\n${secrets[0]}`).toContain(secrets[0])
    for (const s of secrets) {
      if (everything.includes(s)) throw new Error(`secret #${secrets.indexOf(s)} (a token or part of one) was logged or shown`)
    }
  })
})
