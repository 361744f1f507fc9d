/**
 * Authorization end to end: ponte-sim (VTEX ID, License Manager, OMS, VBase) and the service
 * under the real @vtex/api runtime with the simulator as its HTTP proxy. No mocks.
 *
 * - per-person authorization: a person whose roles lack the License Manager resource VTEX
 *   requires for an action is refused (RESOURCE_NOT_GRANTED) before anything is sent; an
 *   account owner gets through; an app key likewise;
 * - cross-site: the same mutation posted as a browser form would (text/plain or urlencoded,
 *   admin cookie only) is refused with CROSS_SITE_REQUEST, while as JSON it goes through;
 * - audit: every attempt is in auditLog, with who, what and the outcome code.
 */
import { join } from 'path'

import type { GraphQLReply } from './support/http'
import { graphql } from './support/http'
import type { Running, Sim } from './support/processes'
import { startService, startSim, tearDown, workDir } from './support/processes'
import { simLogin } from './support/vtexid'

const ACCOUNT = 'ponte-auth'
const WORKSPACE = 'master'
const ORDER = 'v1000auth-01'
const APP_KEY = `vtexappkey-${ACCOUNT}-PONTE`

const { work, dataDir } = workDir('auth')

let sim: Sim
let service: Running

beforeAll(async () => {
  sim = await startSim(dataDir)
  service = await startService({ simUrl: sim.url, account: ACCOUNT, workspace: WORKSPACE, appDir: join(work, 'app') })
}, 120000)

afterAll(async () => {
  await tearDown(work, [service], sim)
})

async function simPut(path: string, body: unknown): Promise<void> {
  const res = await fetch(`${sim.url}${path}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  if (!res.ok) throw new Error(`PUT ${path}: ${res.status} ${await res.text()}`)
}

/** What an administrator does in License Manager: a role, and the login's roles. */
async function grantOnly(login: string, role: string, resources: string[]): Promise<void> {
  await simPut(`/_sim/license-manager/${ACCOUNT}/roles/${encodeURIComponent(role)}`, { resources })
  await simPut(`/_sim/license-manager/${ACCOUNT}/logins/${encodeURIComponent(login)}/roles`, { roles: [role] })
}

const START = `mutation { startHandling(orderId: "${ORDER}") { action } }`
const code = (reply: GraphQLReply) => reply.errors?.[0]?.extensions?.code
const adminToken = async (email: string) => (await simLogin(sim.url, ACCOUNT, { email, audience: 'admin' })).token

/** Posts `body` with `contentType` and only the admin cookie, as a form on another site would. */
async function postAs(contentType: string, body: string, cookie: string): Promise<{ status: number; code?: string; data?: unknown }> {
  const res = await fetch(`http://localhost:5050/${ACCOUNT}/${WORKSPACE}/_v/graphql`, {
    method: 'POST',
    headers: { 'content-type': contentType, 'x-vtex-account': ACCOUNT, 'x-vtex-workspace': WORKSPACE, 'x-vtex-credential': 'e2e-app-token', cookie },
    body,
  })
  const text = await res.text()
  let json: GraphQLReply | null = null
  try {
    json = JSON.parse(text) as GraphQLReply
  } catch {
    // not JSON
  }
  return { status: res.status, code: json ? code(json) : undefined, data: json?.data }
}

describe('per-person authorization through License Manager', () => {
  it('refuses a person whose roles lack the resource, lets an owner through, and an app key as its roles say', async () => {
    await grantOnly('invoicer@example.com', 'Invoicer', ['OMS/Notify invoice'])
    const invoicer = await adminToken('invoicer@example.com')
    const refused = await graphql(ACCOUNT, WORKSPACE, { query: START }, { 'x-vtex-credential': 'e2e-app-token', authorization: `Bearer ${invoicer}` })
    expect(code(refused)).toBe('RESOURCE_NOT_GRANTED')
    expect(refused.errors?.[0].message).toContain('Change order workflow status')

    // An owner (the simulator's default role) gets past authorization: what is left is the OMS's answer.
    const owner = await adminToken('owner@example.com')
    const allowed = await graphql(ACCOUNT, WORKSPACE, { query: START }, { 'x-vtex-credential': 'e2e-app-token', authorization: `Bearer ${owner}` })
    expect(code(allowed)).not.toBe('RESOURCE_NOT_GRANTED')
    expect(code(allowed)).not.toBe('CROSS_SITE_REQUEST')

    await grantOnly(APP_KEY, 'Order reader', ['OMS/View order'])
    const appKey = await graphql(ACCOUNT, WORKSPACE, { query: START }, {
      'x-vtex-credential': 'e2e-app-token',
      'X-VTEX-API-AppKey': APP_KEY,
      'X-VTEX-API-AppToken': 'ponte-sim-apptoken',
    })
    expect(code(appKey)).toBe('RESOURCE_NOT_GRANTED')
  })
})

describe('cross-site requests', () => {
  it('refuses a mutation posted as a form would (text/plain, urlencoded) with the admin cookie only; JSON goes through', async () => {
    const cookie = `VtexIdclientAutCookie=${await adminToken('owner@example.com')}`
    const asText = await postAs('text/plain', JSON.stringify({ query: START }), cookie)
    expect(asText.code).toBe('CROSS_SITE_REQUEST')
    const asForm = await postAs('application/x-www-form-urlencoded', `query=${encodeURIComponent(START)}`, cookie)
    expect(asForm.data ?? null).toBeNull()
    expect(asForm.code === 'CROSS_SITE_REQUEST' || asForm.status >= 400).toBe(true)
    const asJson = await postAs('application/json', JSON.stringify({ query: START }), cookie)
    expect(asJson.code).not.toBe('CROSS_SITE_REQUEST')
    expect(asJson.code).not.toBe('RESOURCE_NOT_GRANTED')
  })
})

describe('the audit trail', () => {
  it('has every attempt with its actor and outcome, and nothing secret', async () => {
    const owner = await adminToken('owner@example.com')
    const from = new Date(Date.now() - 10 * 60_000).toISOString()
    const to = new Date(Date.now() + 60_000).toISOString()
    const reply = await graphql(
      ACCOUNT,
      WORKSPACE,
      { query: 'query($f: String!, $t: String!, $o: ID) { auditLog(from: $f, to: $t, orderId: $o) { actor actorKind operation orderId outcome } }', variables: { f: from, t: to, o: ORDER } },
      { 'x-vtex-credential': 'e2e-app-token', authorization: `Bearer ${owner}` }
    )
    expect(reply.errors).toBeUndefined()
    const records = reply.data?.auditLog as Array<{ actor: string; actorKind: string; operation: string; orderId: string; outcome: string }>
    const summary = records.map((r) => `${r.actor}|${r.actorKind}|${r.operation}|${r.outcome}`)
    expect(summary).toContain('invoicer@example.com|PERSON|startHandling|RESOURCE_NOT_GRANTED')
    expect(summary).toContain(`${APP_KEY}|APP_KEY|startHandling|RESOURCE_NOT_GRANTED`)
    expect(summary).toContain('unknown|UNKNOWN|startHandling|CROSS_SITE_REQUEST')
    expect(records.filter((r) => r.actor === 'owner@example.com').length).toBeGreaterThanOrEqual(2)
    expect(JSON.stringify(records)).not.toMatch(/ponte-sim-apptoken|eyJ/)
  })
})
