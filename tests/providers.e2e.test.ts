/**
 * The provider protocols end to end (§G.2 gift cards, §G.3 anti-fraud): ponte-sim (VBase, app
 * settings, the ERP's 500 cards and customer risk facts, the anti-fraud hook on
 * hook.vtex.com) and two replicas of the service under the real @vtex/api runtime, with the
 * simulator as their HTTP proxy. No mocks.
 *
 * The test plays VTEX's side of the calls (the Gift Card Hub and checkout, the payment
 * gateway): it calls the service's public routes as VTEX IO's router delivers them
 * (`x-colossus-route-id`, `x-colossus-params`), alternating replicas, with the provider's
 * credentials (`X-PROVIDER-API-AppKey`/`AppToken`).
 *
 * - anti-fraud: every homologation case VTEX documents (ids ending 1 to 6: authorize, denied,
 *   approved later, denied later, approved through the hook, denied through the hook), each
 *   status reaching the hook once; the ERP's risky customers denied or held for review and
 *   clean ones approved; pre-analysis; update; delete; credentials; malformed input;
 * - gift cards: the shopper's ERP cards listed with REST-Range, debit as pre-authorisation,
 *   a repeated requestId answered once, settlement, cancellation and refund, credit; each bad
 *   input (above the balance, unknown card, wrong redemption code, settle above the
 *   authorisation, malformed body) refused with its code and no balance change; concurrent
 *   debits with duplicated requestIds over both replicas never overdraw a card.
 */
import { readFileSync } from 'fs'
import { join } from 'path'

import type { BooksReport } from '../node/giftcards/store'
import { ResponseContract } from './support/openapi'
import type { Running, Sim } from './support/processes'
import { portInUse, REPO, sleep, startService, startSim, tearDown, workDir } from './support/processes'
import { graphql, routeFetch } from './support/http'
import { putAppSettings, simLogin } from './support/vtexid'

const ACCOUNT = 'ponte-providers'
const WORKSPACE = 'master'
const APP = 'ponte.ponte'
const REPLICAS = [
  { port: 5550, upPort: 5500 },
  { port: 5570, upPort: 5510 },
]
const KEY = 'vtexappkey-provider-e2e'
const TOKEN = 'provider-e2e-token-0123456789'
const HOOK = 'https://hook.vtex.com/notifyIfChangeStatus'
const GIFTCARD_MEDIA = 'application/vnd.vtex.giftcards.v1+json'

const { work, dataDir } = workDir('providers')

let sim: Sim
const services: Running[] = []

beforeAll(async () => {
  sim = await startSim(dataDir)
  await putAppSettings(sim.url, ACCOUNT, WORKSPACE, APP, {
    providerAppKey: KEY,
    providerAppToken: TOKEN,
    erpEndpoint: 'https://erp.ponte-sim.test/erp',
    antifraudHomologation: true,
    riskPolicy: { asyncDelaySeconds: 2 },
  })
  await simCall('PUT', '/_sim/io', {
    replicas: REPLICAS.map((r) => `http://127.0.0.1:${r.port}`),
    account: ACCOUNT,
    workspace: WORKSPACE,
    serviceJson: JSON.parse(readFileSync(join(REPO, 'node', 'service.json'), 'utf8')),
  })
  await simCall('PUT', '/_sim/antifraud/config', { account: ACCOUNT, appKey: KEY, appToken: TOKEN })
  await simCall('PUT', '/_sim/giftcardhub/config', { account: ACCOUNT, appKey: KEY, appToken: TOKEN })
  for (const i of REPLICAS.keys()) services.push(await launch(i))
}, 180000)

const launch = (i: number) => startService({ simUrl: sim.url, account: ACCOUNT, workspace: WORKSPACE, appDir: join(work, `app${i}`), ...REPLICAS[i] })

afterAll(async () => {
  await tearDown(work, services, sim)
})

async function simCall(method: string, path: string, body?: unknown): Promise<any> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const res = await fetch(`${sim.url}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await res.text()
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`)
  return text === '' ? null : JSON.parse(text)
}

interface Reply {
  status: number
  body: any // eslint-disable-line @typescript-eslint/no-explicit-any
  headers: Headers
}

let turn = 0

/** A call as VTEX IO's router delivers it to a replica (round-robin). */
async function route(
  routeId: string,
  method: string,
  path: string,
  params: Record<string, string> = {},
  body?: unknown,
  headers: Record<string, string> = {}
): Promise<Reply> {
  const replica = REPLICAS[turn++ % REPLICAS.length]
  const res = await routeFetch({ port: replica.port, account: ACCOUNT, workspace: WORKSPACE }, routeId, path, {
    method,
    params,
    headers: {
      'x-provider-api-appkey': KEY,
      'x-provider-api-apptoken': TOKEN,
      ...(body === undefined ? {} : { 'content-type': routeId.startsWith('giftcard') ? GIFTCARD_MEDIA : 'application/json' }),
      ...headers,
    },
    // Always as JSON, a string too.
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await res.text()
  let parsed: unknown = text
  try {
    parsed = text === '' ? null : JSON.parse(text)
  } catch {
    // not JSON
  }
  return { status: res.status, body: parsed, headers: res.headers }
}

const giftcardSpec = new ResponseContract('giftcard-provider-protocol.json')
const antifraudSpec = new ResponseContract('antifraud-provider-api.json')

/**
 * Deliberate departures from the specs' 200 schemas, each with its reason:
 * - `POST /transactions` lists `status` as approved or denied only, while VTEX's protocol
 *   article and homologation expect `received` as the first answer (§G.3);
 * - the answers' `responses` schema requires the keys of its example (`foo`, `custom`), while
 *   the protocol describes `responses` as the provider's free-form map (§G.3); Ponte sends
 *   `{reasons}`; the `PUT` answer's schema even types it as a string, against the other
 *   operations' object: Ponte answers every operation alike.
 */
const ALLOWED = new Set([
  'POST /transactions $.status: "received" is not one of ["approved","denied"]',
  'PUT /transactions/{transactionId} $.responses: object is not string',
  ...['POST /transactions', 'POST /pre-analysis', 'PUT /transactions/{transactionId}', 'GET /transactions/{transactions.id}'].flatMap((op) => [
    `${op} $.responses.foo: required, missing`,
    `${op} $.responses.custom: required, missing`,
  ]),
])

/** Every answer checked against the vendored OpenAPI file's 200 schema. */
function conforms(spec: ResponseContract, method: string, path: string, reply: Reply): void {
  expect(reply.status).toBe(200)
  const found = spec.violations(method, path, reply.body).filter((v) => !ALLOWED.has(`${method} ${path} ${v}`))
  expect(found).toEqual([])
}

async function hooks(): Promise<Record<string, Array<{ id: string; status: string }>>> {
  const res = await fetch(`${sim.url}/_sim/antifraud/hooks`)
  return (await res.json()) as Record<string, Array<{ id: string; status: string }>>
}

function transaction(id: string, document: string, value = 150, postalCode = '01310-100') {
  return {
    id,
    reference: `v${id}-01`,
    value,
    ip: '10.0.0.1',
    store: ACCOUNT,
    deviceFingerprint: 'fp',
    sellerId: '1',
    transactionStartDate: '2026-06-01T12:00:00Z',
    hook: HOOK,
    miniCart: {
      buyer: { id: 'b', firstName: 'A', lastName: 'B', document, documentType: 'CPF', email: 'a@example.com', phone: '1' },
      shipping: { value: 10, estimatedDate: '2026-06-05', address: { postalCode } },
      items: [],
      taxValue: 0,
      listRegistry: { name: '', deliveryToOwner: false },
    },
    payments: [{ id: 'p1', method: 'CreditCard', value, currencyIso4217: 'BRL', installments: 1 }],
  }
}

const af = {
  post: (body: unknown) => route('antifraudTransactions', 'POST', '/_v/ponte/antifraud/transactions', {}, body),
  get: (id: string) => route('antifraudTransaction', 'GET', `/_v/ponte/antifraud/transactions/${encodeURIComponent(id)}`, { id }),
}

/** Waits until the sim's gateway record of `id` satisfies `done`. */
async function gatewayUntil(id: string, done: (tx: { outcome: string; reads: number; statuses: string[] }) => boolean, ms = 8000) {
  const until = Date.now() + ms
  for (;;) {
    const tx = await simCall('GET', `/_sim/antifraud/transactions/${id}`)
    if (done(tx) || Date.now() > until) return tx
    await sleep(100)
  }
}

const advanceClock = (ms: number) => simCall('POST', '/_sim/clock/advance', { ms })

describe('anti-fraud provider, driven by the sim as VTEX\'s gateway', () => {
  it('is read every 2 hours on the sim clock until final, and an order still undefined after 5 days expires', async () => {
    for (const d of ['3', '5']) {
      const sent = await simCall('POST', '/_sim/antifraud/transactions', transaction(`GW-HOMOLOG-${d}`, '00000000000'))
      expect([sent.outcome, sent.statuses]).toEqual(['pending', ['received']])
    }
    // Case 5 lands through the hook: the gateway reads at once, without waiting 2 hours.
    const hooked = await gatewayUntil('GW-HOMOLOG-5', (t) => t.outcome !== 'pending')
    expect([hooked.outcome, hooked.reads]).toEqual(['approved', 1])
    // Case 3 is decided after ~2 s (the policy's delay); the gateway sees it at its next read, 2 h later on its clock.
    await sleep(2500)
    expect((await simCall('GET', '/_sim/antifraud/transactions/GW-HOMOLOG-3')).reads).toBe(0)
    await advanceClock(2 * 3600_000)
    const polled = await gatewayUntil('GW-HOMOLOG-3', (t) => t.outcome !== 'pending')
    expect([polled.outcome, polled.reads]).toEqual(['approved', 1])

    // A customer held for review (overdue invoices) stays undefined: read every 2 h, then expired after 5 days.
    await simCall('POST', '/_sim/antifraud/transactions', transaction('GW-REVIEW-a', '11122233306'))
    for (let h = 0; h < 5 * 24; h += 2) {
      await advanceClock(2 * 3600_000)
      await gatewayUntil('GW-REVIEW-a', (t) => t.reads >= h / 2 + 1 || t.outcome !== 'pending', 3000)
    }
    const expired = await gatewayUntil('GW-REVIEW-a', (t) => t.outcome === 'expired')
    expect(expired.outcome).toBe('expired')
    expect(expired.reads).toBe(60)
    expect(new Set(expired.statuses.slice(1))).toEqual(new Set(['undefined']))
  }, 120000)
})

describe('anti-fraud provider', () => {
  it('runs every homologation case VTEX documents; each hook status reaches the gateway once', async () => {
    const outcomes: Record<string, string[]> = {}
    for (const d of ['1', '2', '3', '4', '5', '6']) {
      const id = `HOMOLOG00${d}`
      const posted = await af.post(transaction(id, '00000000000'))
      expect([posted.status, posted.body.status, posted.body.id]).toEqual([200, 'received', id])
      expect(posted.body.tid).toMatch(/^af-/)
      conforms(antifraudSpec, 'POST', '/transactions', posted)
      const read = await af.get(id)
      conforms(antifraudSpec, 'GET', '/transactions/{transactions.id}', read)
      outcomes[d] = [read.body.status]
    }
    await sleep(3500)
    for (const d of ['1', '2', '3', '4', '5', '6']) outcomes[d].push((await af.get(`HOMOLOG00${d}`)).body.status)
    expect(outcomes).toEqual({
      '1': ['approved', 'approved'],
      '2': ['denied', 'denied'],
      '3': ['undefined', 'approved'],
      '4': ['undefined', 'denied'],
      '5': ['undefined', 'approved'],
      '6': ['undefined', 'denied'],
    })
    // Read again: the hook is not pushed twice.
    await af.get('HOMOLOG005')
    const received = await hooks()
    expect(received.HOMOLOG005?.map((h) => h.status)).toEqual(['approved'])
    expect(received.HOMOLOG006?.map((h) => h.status)).toEqual(['denied'])
    expect(received.HOMOLOG003).toBeUndefined()
  })

  it('decides by the ERP facts: risky customers denied or held, clean ones approved; idempotent per id', async () => {
    // The ERP's customers by document's last digit: 0 clean, 5 blocked, 6 overdue, 7 chargeback, 8 first-time, 9 unknown.
    const cases: Array<[string, string, number, string, string]> = [
      ['RISK-clean', '11122233300', 150, '01310100', 'approved'],
      ['RISK-blocked', '11122233305', 150, '01310100', 'denied'],
      ['RISK-overdue', '11122233306', 150, '01310100', 'undefined'],
      ['RISK-chargeback', '11122233307', 150, '01310100', 'undefined'],
      ['RISK-firstbig', '11122233308', 5000, '99999000', 'undefined'],
      ['RISK-unknown', '11122233309', 150, '01310100', 'approved'],
      ['RISK-newaddress', '99999999990', 150, '99999000', 'approved'],
    ]
    for (const [id, doc, value, postal, want] of cases) {
      const posted = await af.post(transaction(id, doc, value, postal))
      expect(posted.body.status).toBe('received')
      const read = await af.get(id)
      expect([id, read.body.status]).toEqual([id, want])
      expect(read.body.fraudRiskPercentage).toBe(read.body.score)
      // The same transaction again, with other data: the stored analysis answers.
      const again = await af.post(transaction(id, '11122233305', 1))
      expect([again.body.tid, again.body.status]).toEqual([posted.body.tid, read.body.status])
    }
    expect((await af.get('RISK-overdue')).body.analysisType).toBe('manual')
    // An address the ERP does not know adds to the score without denying on its own.
    expect((await af.get('RISK-newaddress')).body.score).toBe(20)
  })

  it('pre-analysis, update, delete, manifest, credentials and malformed input', async () => {
    const pre = await route('antifraudPreAnalysis', 'POST', '/_v/ponte/antifraud/pre-analysis', {}, transaction('PRE-a', '11122233305'))
    expect([pre.status, pre.body.status, pre.body.analysisType]).toEqual([200, 'denied', 'automatic'])
    conforms(antifraudSpec, 'POST', '/pre-analysis', pre)
    const preOk = await route('antifraudPreAnalysis', 'POST', '/_v/ponte/antifraud/pre-analysis', {}, transaction('PRE-b', '11122233300'))
    expect(preOk.body.status).toBe('approved')

    await af.post(transaction('UPD-a', '11122233306'))
    const put = await route('antifraudTransaction', 'PUT', '/_v/ponte/antifraud/transactions/UPD-a', { id: 'UPD-a' }, transaction('UPD-a', '11122233300'))
    conforms(antifraudSpec, 'PUT', '/transactions/{transactionId}', put)
    expect((await af.get('UPD-a')).body.status).toBe('approved')

    await af.post(transaction('DEL-a', '11122233306'))
    const del = await route('antifraudTransaction', 'DELETE', '/_v/ponte/antifraud/transactions/DEL-a', { id: 'DEL-a' })
    expect([del.status, del.body.message]).toEqual([200, 'analysis stopped'])

    const manifest = await route('antifraudManifest', 'GET', '/_v/ponte/antifraud/manifest', {}, undefined, { 'x-provider-api-apptoken': 'wrong' })
    expect([manifest.status, manifest.body.allowAntifraudOnGiftCard]).toEqual([200, true])
    conforms(antifraudSpec, 'GET', '/manifest', manifest)

    const wrong = await route('antifraudTransactions', 'POST', '/_v/ponte/antifraud/transactions', {}, transaction('CRED-a', '1'), { 'x-provider-api-apptoken': 'wrong' })
    expect([wrong.status, wrong.body.code]).toEqual([401, 'PROVIDER_CREDENTIALS_INVALID'])
    expect((await af.get('CRED-a')).status).toBe(404)

    const bad = await af.post({ id: 'BAD-a' })
    expect([bad.status, bad.body.code]).toEqual([400, 'ANTIFRAUD_BODY_INVALID'])
    const notJson = await fetch(`http://localhost:5550/${ACCOUNT}/${WORKSPACE}/_v/ponte/antifraud/transactions`, {
      method: 'POST',
      headers: {
        'x-vtex-account': ACCOUNT,
        'x-vtex-workspace': WORKSPACE,
        'x-vtex-credential': 'e2e-app-token',
        'x-colossus-route-id': 'antifraudTransactions',
        'x-provider-api-appkey': KEY,
        'x-provider-api-apptoken': TOKEN,
      },
      body: '{"id":',
    })
    expect(notJson.status).toBe(400)
  })
})

// ERP card i: id erp-gc-{i:03}, code ERPGC{i:05}, owner shopper-{i % 100}; balance 100_00 + (i × 7919 mod 400_00) cents.
const erpCents = (i: number) => 10000 + ((i * 7919) % 40000)
const erpBalance = (i: number) => erpCents(i) / 100
/** A protocol amount in cents (its decimals read exactly). */
const cents = (v: number) => Math.round(v * 100)
const cardId = (i: number) => `erp-gc-${String(i).padStart(3, '0')}`
const codeOf = (i: number) => `ERPGC${String(i).padStart(5, '0')}`

const gc = {
  get: (id: string) => route('giftcard', 'GET', `/_v/ponte/giftcards/${id}`, { id }),
  tx: (id: string, body: unknown) => route('giftcardTransactions', 'POST', `/_v/ponte/giftcards/${id}/transactions`, { id }, body),
  settle: (id: string, tid: string, body: unknown) => route('giftcardSettlements', 'POST', `/_v/ponte/giftcards/${id}/transactions/${tid}/settlements`, { id, tid }, body),
  cancel: (id: string, tid: string, body: unknown) => route('giftcardCancellations', 'POST', `/_v/ponte/giftcards/${id}/transactions/${tid}/cancellations`, { id, tid }, body),
}

const debit = (i: number, value: number, requestId: string, extra: Record<string, unknown> = {}) => ({
  operation: 'Debit',
  value,
  description: 'order',
  redemptionCode: codeOf(i),
  requestId,
  orderInfo: { orderId: `o-${requestId}`, sequence: 1, clientProfile: { id: `shopper-${i % 100}` } },
  ...extra,
})

describe('gift card provider', () => {
  it("lists a shopper's ERP cards with REST-Range in the protocol's media type", async () => {
    // shopper-7 owns cards 7, 107, 207, 307, 407.
    const all = await route('giftcardSearch', 'POST', '/_v/ponte/giftcards/_search', {}, { client: { id: 'shopper-7', email: 'x', document: 'y' }, cart: { grandTotal: 100 } })
    expect(all.status).toBe(200)
    expect(all.headers.get('content-type')).toContain(GIFTCARD_MEDIA)
    expect(all.body.map((c: { id: string }) => c.id)).toEqual([7, 107, 207, 307, 407].map(cardId))
    conforms(giftcardSpec, 'POST', '/giftcards/_search', all)
    expect(all.body[0]).toEqual({ id: cardId(7), provider: 'ponte', balance: erpBalance(7), _self: { href: `/_v/ponte/giftcards/${cardId(7)}` } })
    const page = await route('giftcardSearch', 'POST', '/_v/ponte/giftcards/_search', {}, { client: { id: 'shopper-7' }, cart: {} }, { 'rest-range': 'resources=1-2' })
    expect(page.body.map((c: { id: string }) => c.id)).toEqual([107, 207].map(cardId))
    expect(page.headers.get('rest-content-range')).toBe('resources 1-2/5')
    // A code typed by someone else finds the card unless it is restricted to its owner (card 19 is).
    const typed = await route('giftcardSearch', 'POST', '/_v/ponte/giftcards/_search', {}, { client: { id: 'someone' }, cart: { redemptionCode: codeOf(18) } })
    expect(typed.body.map((c: { id: string }) => c.id)).toEqual([cardId(18)])
    const restricted = await route('giftcardSearch', 'POST', '/_v/ponte/giftcards/_search', {}, { client: { id: 'someone' }, cart: { redemptionCode: codeOf(19) } })
    expect(restricted.body).toEqual([])
  })

  it('debits, settles, cancels and refunds once per requestId', async () => {
    const i = 21
    const start = erpCents(i)
    const balance = async () => cents((await gc.get(cardId(i))).body.balance)
    const t = await gc.tx(cardId(i), debit(i, 60, 'flow-1'))
    expect(t.status).toBe(200)
    expect(t.body).toEqual({ cardId: cardId(i), id: 't1', _self: { href: `/_v/ponte/giftcards/${cardId(i)}/transactions/t1` } })
    conforms(giftcardSpec, 'POST', '/giftcards/{giftCardId}/transactions', t)
    expect((await gc.tx(cardId(i), debit(i, 60, 'flow-1'))).body).toEqual(t.body)
    conforms(giftcardSpec, 'GET', '/giftcards/{giftCardId}', await gc.get(cardId(i)))
    conforms(
      giftcardSpec,
      'GET',
      '/giftcards/{giftCardId}/transactions/{transactionId}',
      await route('giftcardTransaction', 'GET', `/_v/ponte/giftcards/${cardId(i)}/transactions/t1`, { id: cardId(i), tid: 't1' })
    )
    expect(await balance()).toBe(start - 6000)
    const settled = await gc.settle(cardId(i), 't1', { value: 40, requestId: 's1' })
    conforms(giftcardSpec, 'POST', '/giftcards/{giftCardId}/transactions/{tId}/settlements', settled)
    expect(settled.body).toMatchObject({ oid: 't1-s1', value: 40 })
    expect((await gc.settle(cardId(i), 't1', { value: 40, requestId: 's1' })).body).toMatchObject({ oid: 't1-s1' })
    // Cancel 30: releases the 20 not settled, refunds 10 of what was settled.
    const cancelled = await gc.cancel(cardId(i), 't1', { value: 30, requestId: 'c1' })
    conforms(giftcardSpec, 'POST', '/giftcards/{giftCardId}/transactions/{transactionId}/cancellations', cancelled)
    expect(cancelled.body).toMatchObject({ oid: 't1-c1', value: 30 })
    expect(await balance()).toBe(start - 3000)
    const auth = await route('giftcardAuthorization', 'GET', `/_v/ponte/giftcards/${cardId(i)}/transactions/t1/authorization`, { id: cardId(i), tid: 't1' })
    conforms(giftcardSpec, 'GET', '/giftcards/{giftCardId}/transactions/{transactionId}/authorization', auth)
    expect(auth.body).toMatchObject({ value: 60 })
    const settlements = await route('giftcardSettlements', 'GET', `/_v/ponte/giftcards/${cardId(i)}/transactions/t1/settlements`, { id: cardId(i), tid: 't1' })
    conforms(giftcardSpec, 'GET', '/giftcards/{giftCardId}/transactions/{tId}/settlements', settlements)
    expect(settlements.body).toHaveLength(1)
    conforms(
      giftcardSpec,
      'GET',
      '/giftcards/{giftCardId}/transactions',
      await route('giftcardTransactions', 'GET', `/_v/ponte/giftcards/${cardId(i)}/transactions`, { id: cardId(i) })
    )
    const credit = await gc.tx(cardId(i), { operation: 'Credit', value: 5, requestId: 'cr-1', redemptionCode: codeOf(i) })
    expect(credit.status).toBe(200)
    expect(await balance()).toBe(start - 2500)
  })

  it('refuses bad input with the protocol error and changes no balance', async () => {
    const i = 33
    const before = (await gc.get(cardId(i))).body.balance
    expect(before).toBe(erpBalance(i))
    await gc.tx(cardId(i), debit(i, 10, 'bad-base'))
    const cases: Array<[Promise<Reply>, number, string]> = [
      [gc.tx(cardId(i), debit(i, before, 'bad-1')), 400, 'GIFTCARD_INSUFFICIENT_BALANCE'],
      [gc.tx('erp-gc-999', debit(i, 1, 'bad-2')), 404, 'GIFTCARD_NOT_FOUND'],
      [gc.tx(cardId(i), debit(i, 1, 'bad-3', { redemptionCode: 'WRONG0001' })), 400, 'GIFTCARD_REDEMPTION_CODE_INVALID'],
      [gc.settle(cardId(i), 't1', { value: 10.01, requestId: 'bad-4' }), 400, 'GIFTCARD_SETTLE_ABOVE_AUTHORIZED'],
      [gc.tx(cardId(i), { operation: 'Debit', value: 'ten', requestId: 'bad-5' }), 400, 'GIFTCARD_BODY_INVALID'],
      [gc.tx(cardId(i), debit(i, 3, 'bad-base')), 409, 'GIFTCARD_REQUEST_ID_CONFLICT'],
      [gc.tx(cardId(49), debit(49, 1, 'bad-6')), 400, 'GIFTCARD_EXPIRED'],
      [gc.tx(cardId(19), debit(19, 1, 'bad-7', { orderInfo: { clientProfile: { id: 'someone' } } })), 400, 'GIFTCARD_RESTRICTED_TO_OWNER'],
    ]
    for (const [call, status, code] of cases) {
      const r = await call
      expect([status, r.body.code]).toEqual([status, code])
    }
    expect(cents((await gc.get(cardId(i))).body.balance)).toBe(cents(before) - 1000)
    const unauthorized = await route('giftcard', 'GET', `/_v/ponte/giftcards/${cardId(i)}`, { id: cardId(i) }, undefined, { 'x-provider-api-appkey': 'nope' })
    expect(unauthorized.status).toBe(401)
  })

  it('never overdraws a card under concurrent debits with duplicated requestIds on two replicas', async () => {
    const cards = [40, 41, 42, 43]
    const calls: Array<Promise<Reply>> = []
    for (let n = 0; n < 80; n++) {
      const i = cards[n % cards.length]
      // 20 distinct requestIds per card, each sent twice; each debit is a quarter of the balance plus a cent.
      const value = Math.floor(erpBalance(i) * 25 + 1) / 100
      calls.push(gc.tx(cardId(i), debit(i, value, `conc-${i}-${Math.floor(n / 8)}`)))
    }
    const answers = await Promise.all(calls)
    for (const a of answers) expect([200, 400, 503]).toContain(a.status)
    // Every debit answered 200 is held on its card (none lost), once.
    const held = new Map<string, Set<string>>()
    answers.forEach((a, n) => {
      if (a.status !== 200) return
      const i = cards[n % cards.length]
      held.set(cardId(i), (held.get(cardId(i)) ?? new Set()).add(a.body.id))
    })
    expect(held.size).toBe(cards.length)
    for (const i of cards) {
      const card = (await gc.get(cardId(i))).body
      expect(card.balance).toBeGreaterThanOrEqual(0)
      const list = await route('giftcardTransactions', 'GET', `/_v/ponte/giftcards/${cardId(i)}/transactions`, { id: cardId(i) })
      const debited = list.body.reduce((s: number, t: { value: number }) => s + cents(t.value), 0)
      expect(list.body.length).toBeLessThanOrEqual(3)
      expect(cents(card.balance)).toBe(erpCents(i) - debited)
      const ids = list.body.map((t: { requestId: string }) => t.requestId)
      expect(new Set(ids).size).toBe(ids.length)
      expect([...(held.get(cardId(i)) ?? [])].sort()).toEqual(list.body.map((t: { id: string }) => t.id).sort())
    }
  })
})

interface HubOrder {
  orderId: string
  cardId: string
  transactionId?: string
  authorizedCents: number
  settledCents: number
  cancelledCents: number
  refundedCents: number
  invoices: number
  calls: string[]
}

describe('gift card provider, driven by the sim as VTEX\'s Gift Card Hub and checkout', () => {
  it('200 purchases from 40 cards, duplicated debits, invoices and cancellations: no card overdrawn, settled = invoiced, holds released', async () => {
    const cards = Array.from({ length: 40 }, (_, k) => 100 + k)
    // Five purchases per card on average, 20.00 to 119.99 each: some cards run out.
    const purchases = Array.from({ length: 200 }, (_, n) => {
      const i = cards[(n * 17) % cards.length]
      return { orderId: `hub-${n}`, shopper: `shopper-${i % 100}`, cardId: cardId(i), redemptionCode: codeOf(i), value: (2000 + ((n * 7919) % 10000)) / 100, duplicate: n % 5 === 0 }
    })
    const placed: HubOrder[] = []
    for (let k = 0; k < purchases.length; k += 20) {
      placed.push(...(await Promise.all(purchases.slice(k, k + 20).map((p) => simCall('POST', '/_sim/giftcardhub/orders', p) as Promise<HubOrder>))))
    }
    const authorized = placed.filter((o) => o.transactionId)
    const outcomes: Record<string, number> = {}
    for (const o of placed) for (const c of o.calls) outcomes[c] = (outcomes[c] ?? 0) + 1
    const outcomesSeen = Object.keys(outcomes).sort()
    expect(outcomesSeen).toEqual(['debit 200', 'debit 400 GIFTCARD_INSUFFICIENT_BALANCE', 'search 200'])
    expect(authorized.length).toBeGreaterThan(50)
    expect(placed.length - authorized.length).toBeGreaterThan(0) // some cards ran out: refused, not overdrawn
    // Invoice half of the authorised orders (every fourth partly, then cancelled: the rest released), cancel a quarter outright.
    const invoiced = new Map<string, number>()
    for (const [k, o] of authorized.entries()) {
      if (k % 4 === 0) {
        const part = Math.floor(o.authorizedCents / 2)
        await simCall('POST', `/_sim/giftcardhub/orders/${o.orderId}/invoice`, { value: part / 100 })
        invoiced.set(o.orderId, part)
        await simCall('POST', `/_sim/giftcardhub/orders/${o.orderId}/cancel`)
      } else if (k % 4 === 1) {
        await simCall('POST', `/_sim/giftcardhub/orders/${o.orderId}/invoice`, { value: o.authorizedCents / 100 })
        invoiced.set(o.orderId, o.authorizedCents)
      } else if (k % 4 === 2) {
        await simCall('POST', `/_sim/giftcardhub/orders/${o.orderId}/cancel`)
      }
    }
    const records = (await simCall('GET', '/_sim/giftcardhub/orders')) as HubOrder[]
    // Σ settled equals Σ invoiced, order by order.
    for (const o of records.filter((r) => r.transactionId)) expect([o.orderId, o.settledCents]).toEqual([o.orderId, invoiced.get(o.orderId) ?? 0])
    // Every cancelled order's hold is released.
    for (const [k, o] of authorized.entries()) {
      const r = records.find((x) => x.orderId === o.orderId)
      if (k % 4 === 0 || k % 4 === 2) expect(r && r.authorizedCents - r.settledCents - r.cancelledCents).toBe(0)
    }
    // Per card: the provider's balance is the ERP's minus what the Hub holds and settled; never below 0; one transaction per order.
    for (const i of cards) {
      const mine = records.filter((r) => r.cardId === cardId(i) && r.transactionId)
      const held = mine.reduce((s, r) => s + r.authorizedCents - r.cancelledCents, 0)
      const card = (await gc.get(cardId(i))).body
      expect(cents(card.balance)).toBeGreaterThanOrEqual(0)
      expect([cardId(i), cents(card.balance)]).toEqual([cardId(i), erpCents(i) - held])
      const list = await route('giftcardTransactions', 'GET', `/_v/ponte/giftcards/${cardId(i)}/transactions`, { id: cardId(i) })
      expect(list.body.length).toBe(mine.length)
    }
    // Duplicated debits answered twice, held once.
    const dup = records.find((r) => r.orderId === 'hub-0')
    expect(dup?.calls.filter((c) => c.startsWith('debit')).length).toBe(2)
  }, 120000)
})

/** Purchases in the run with a SIGKILL: 200 by default (about 20 s), 1,000 with PONTE_E2E_FULL=1. */
const PURCHASES = Number(process.env.PONTE_E2E_GIFTCARD_PURCHASES ?? (process.env.PONTE_E2E_FULL ? 1000 : 200))

interface ErpBooks {
  cards: Array<{ id: string; initialCents: number; balanceCents: number }>
  postings: Array<{ cardId: string; key: string; kind: 'settlement' | 'refund' | 'credit'; valueCents: number; received: number }>
  counters: { recorded: number; replayed: number; conflicts: number; refusedShort: number; answersLost: number }
}

describe(`${PURCHASES} purchases paying partly by gift card from 200 cards, two replicas, duplicated calls, a SIGKILL mid-debit`, () => {
  it("no card overdrawn, Σ settled = invoiced in the ERP's books, cancelled holds released, risky customers denied and clean ones approved", async () => {
    // 200 cards no other test touches (200 and up, without the expired ones, i % 50 == 49).
    const cards: number[] = []
    for (let i = 200; cards.length < 200; i++) if (i % 50 !== 49) cards.push(i)
    // The ERP loses its answer to a few postings (recorded, answered 503): reconciled later, never posted twice.
    await simCall('PUT', '/_sim/erp/giftcards/config', { loseAnswers: 5 })
    const purchases = Array.from({ length: PURCHASES }, (_, n) => {
      const i = cards[(n * 37) % cards.length]
      return {
        n,
        orderId: `run-${n}`,
        shopper: `shopper-${i % 100}`,
        cardId: cardId(i),
        redemptionCode: codeOf(i),
        value: (2000 + ((n * 7919) % 10000)) / 100,
        duplicate: n % 5 === 0,
      }
    })
    const invoiced = new Map<string, number>()
    const refunded = new Map<string, number>()
    const cancelled = new Set<string>()
    // Every tenth purchase also goes through the anti-fraud gateway: a blocked customer (document
    // ending 5), one with overdue invoices (6: held for review, decided by a person) or a clean one (0).
    const risk = new Map<string, 'approved' | 'denied'>()
    const held = new Map<string, 'approved' | 'denied'>()

    const one = async (p: (typeof purchases)[number]) => {
      if (p.n % 10 === 0) {
        const id = `RUN-AF-${p.n}`
        const kind = p.n % 40 === 0 ? 5 : p.n % 40 === 10 ? 6 : 0
        if (kind === 6) held.set(id, p.n % 80 === 10 ? 'approved' : 'denied')
        else risk.set(id, kind === 5 ? 'denied' : 'approved')
        await simCall('POST', '/_sim/antifraud/transactions', transaction(id, `2223334440${kind}`, p.value))
      }
      const o = (await simCall('POST', '/_sim/giftcardhub/orders', p)) as HubOrder
      if (!o.transactionId) return
      const dup = p.n % 3 === 0
      switch (p.n % 4) {
        case 0: {
          const part = Math.floor(o.authorizedCents / 2)
          await simCall('POST', `/_sim/giftcardhub/orders/${o.orderId}/invoice`, { value: part / 100, duplicate: dup })
          invoiced.set(o.orderId, part)
          await simCall('POST', `/_sim/giftcardhub/orders/${o.orderId}/cancel`, { duplicate: dup })
          cancelled.add(o.orderId)
          break
        }
        case 1:
          await simCall('POST', `/_sim/giftcardhub/orders/${o.orderId}/invoice`, { value: o.authorizedCents / 100, duplicate: dup })
          invoiced.set(o.orderId, o.authorizedCents)
          break
        case 2:
          await simCall('POST', `/_sim/giftcardhub/orders/${o.orderId}/cancel`, { duplicate: dup })
          cancelled.add(o.orderId)
          break
        default: {
          // Invoiced, then a third given back: a cancellation of settled value, a refund to the ERP.
          await simCall('POST', `/_sim/giftcardhub/orders/${o.orderId}/invoice`, { value: o.authorizedCents / 100, duplicate: dup })
          invoiced.set(o.orderId, o.authorizedCents)
          const back = Math.floor(o.authorizedCents / 3)
          if (back > 0) {
            await simCall('POST', `/_sim/giftcardhub/orders/${o.orderId}/refund`, { value: back / 100, duplicate: dup })
            refunded.set(o.orderId, back)
          }
        }
      }
    }

    // 16 purchases in flight; replica 0 is SIGKILLed once 40% have started (calls in flight on it die
    // mid-debit or mid-settlement; the Hub retries on the other replica) and restarted at 70%.
    const t0 = Date.now()
    let next = 0
    let killed = false
    let restarted: Promise<void> | null = null
    const worker = async () => {
      while (next < purchases.length) {
        const p = purchases[next++]
        if (!killed && next >= purchases.length * 0.4) {
          killed = true
          process.kill(-(services[0].child.pid as number), 'SIGKILL')
        }
        if (killed && !restarted && next >= purchases.length * 0.7) {
          restarted = (async () => {
            while ((await portInUse(REPLICAS[0].port)) || (await portInUse(REPLICAS[0].upPort))) await sleep(100)
            services[0] = await launch(0)
          })()
        }
        await one(p)
      }
    }
    await Promise.all(Array.from({ length: 16 }, worker))
    await restarted
    const runMs = Date.now() - t0
    expect(killed).toBe(true)

    // After the restart: reconcile every card of the run on both replicas (the second finds nothing left to do).
    const ids = cards.map(cardId)
    // 50 cards a call (a route answers within the service's 10 s timeout).
    const reconcile = async () => {
      const chunks = Array.from({ length: Math.ceil(ids.length / 50) }, (_, k) => ids.slice(k * 50, k * 50 + 50))
      const answers = await Promise.all(chunks.map((cardIds) => route('giftcardReconcile', 'POST', '/_v/ponte/giftcards/_reconcile', {}, { cardIds })))
      for (const r of answers) expect(r.status).toBe(200)
      return answers.flatMap((r) => r.body.cards as BooksReport[])
    }
    const first = await reconcile()
    const second = await reconcile()
    expect(first.length).toBe(ids.length)
    for (const r of [...first, ...second]) expect([r.cardId, r.owed, r.unknown, r.driftCents, r.refusals]).toEqual([r.cardId, 0, [], 0, []])
    for (const r of second) expect([r.cardId, r.posted, r.adopted, r.reopened]).toEqual([r.cardId, 0, 0, 0])

    const records = ((await simCall('GET', '/_sim/giftcardhub/orders')) as HubOrder[]).filter((r) => r.orderId.startsWith('run-'))
    const books = (await simCall('GET', '/_sim/erp/giftcards')) as ErpBooks
    const retries = records.reduce((k, r) => k + r.calls.filter((c) => c.endsWith('(retried)')).length, 0)
    const authorized = records.filter((r) => r.transactionId)
    console.log(
      `gift card run: ${PURCHASES} purchases in ${(runMs / 1000).toFixed(1)} s, ${authorized.length} authorised, ${retries} calls retried after the SIGKILL, ERP ${JSON.stringify(books.counters)}`
    )
    expect(retries).toBeGreaterThan(0) // the kill did land on calls in flight
    expect(authorized.length).toBeGreaterThan(PURCHASES / 2)
    expect(records.every((r) => r.calls.every((c) => /^(search|debit|settlements|cancellations) (200|0|5\d\d)|none|debit 400 GIFTCARD_INSUFFICIENT_BALANCE/.test(c)))).toBe(true)
    expect(books.counters.answersLost).toBe(5)
    expect(books.counters.conflicts + books.counters.refusedShort).toBe(0)

    // Σ settled equals invoiced: in the Hub's records, and in the ERP's books (each key recorded once).
    for (const r of authorized) expect([r.orderId, r.settledCents, r.refundedCents, r.calls]).toEqual([r.orderId, invoiced.get(r.orderId) ?? 0, refunded.get(r.orderId) ?? 0, r.calls])
    const mine = books.postings.filter((p) => ids.includes(p.cardId))
    expect(new Set(mine.map((p) => `${p.cardId}/${p.key}`)).size).toBe(mine.length)
    const sum = (kind: string) => mine.filter((p) => p.kind === kind).reduce((s, p) => s + p.valueCents, 0)
    expect(sum('settlement')).toBe([...invoiced.values()].reduce((s, v) => s + v, 0))
    expect(sum('refund')).toBe([...refunded.values()].reduce((s, v) => s + v, 0))
    expect(mine.filter((p) => p.kind === 'settlement').length).toBe([...invoiced.values()].filter((v) => v > 0).length)

    // Every cancelled order's hold released.
    for (const id of cancelled) {
      const r = records.find((x) => x.orderId === id)
      expect([id, r && r.authorizedCents - r.settledCents - r.cancelledCents]).toEqual([id, 0])
    }
    // Per card: never overdrawn; the ERP's balance of record is its initial one − settled + refunded;
    // Ponte's available balance is the ERP's minus the holds still open; one transaction per authorised order.
    const erpCards = new Map(books.cards.map((c) => [c.id, c]))
    const check = async (i: number) => {
      const id = cardId(i)
      const orders = authorized.filter((r) => r.cardId === id)
      const settled = orders.reduce((s, r) => s + r.settledCents, 0)
      const back = orders.reduce((s, r) => s + r.refundedCents, 0)
      const open = orders.reduce((s, r) => s + r.authorizedCents - r.settledCents - (r.cancelledCents - r.refundedCents), 0)
      const erpNow = erpCards.get(id)?.balanceCents ?? erpCents(i)
      expect([id, erpNow]).toEqual([id, erpCents(i) - settled + back])
      expect(erpNow).toBeGreaterThanOrEqual(0)
      const card = (await gc.get(id)).body
      expect([id, cents(card.balance)]).toEqual([id, erpNow - open])
      expect(cents(card.balance)).toBeGreaterThanOrEqual(0)
      const list = await route('giftcardTransactions', 'GET', `/_v/ponte/giftcards/${id}/transactions`, { id })
      expect([id, list.body.length]).toEqual([id, orders.length])
    }
    for (let k = 0; k < cards.length; k += 16) await Promise.all(cards.slice(k, k + 16).map(check))

    // Anti-fraud: the gateway reads 2 hours later (sim clock); risky customers denied, clean ones approved, each status once.
    await advanceClock(2 * 3600_000)
    for (const [id, want] of risk) {
      const tx = await gatewayUntil(id, (t) => t.outcome !== 'pending')
      expect([id, tx.outcome]).toEqual([id, want])
      expect([id, tx.statuses.filter((st: string) => st === want).length]).toEqual([id, 1])
    }
    for (const id of held.keys()) expect([id, (await simCall('GET', `/_sim/antifraud/transactions/${id}`)).outcome]).toEqual([id, 'pending'])

    // The held ones are decided by a person through GraphQL (audited): each decision reaches the hook once.
    const { token } = await simLogin(sim.url, ACCOUNT, { email: 'reviewer@example.com', audience: 'admin' })
    const decide = (id: string, decision: string, headers: Record<string, string>) =>
      graphql(
        ACCOUNT,
        WORKSPACE,
        { query: 'mutation($id: ID!, $d: ReviewDecision!) { decideAntifraudReview(transactionId: $id, decision: $d) { id status analysisType reasons hookOwed } }', variables: { id, d: decision } },
        { 'x-vtex-credential': 'e2e-app-token', ...headers },
        REPLICAS[1].port
      )
    const person = { authorization: `Bearer ${token}` }
    const [firstHeld] = [...held.keys()]
    const byApp = await decide(firstHeld, 'APPROVED', { 'x-vtex-api-appkey': KEY, 'x-vtex-api-apptoken': TOKEN })
    expect(byApp.errors?.[0]?.extensions?.code).toBeDefined()
    expect(byApp.data?.decideAntifraudReview ?? null).toBeNull()
    for (const [id, want] of held) {
      const r = await decide(id, want.toUpperCase(), person)
      expect([id, r.errors, r.data?.decideAntifraudReview]).toEqual([id, undefined, { id, status: want, analysisType: 'manual', reasons: ['OVERDUE_INVOICES'], hookOwed: false }])
      // The same decision again changes nothing; the other way is refused.
      expect((await decide(id, want.toUpperCase(), person)).data?.decideAntifraudReview.status).toBe(want)
      const other = await decide(id, want === 'approved' ? 'DENIED' : 'APPROVED', person)
      expect(other.errors?.[0]?.extensions?.code).toBe('ANTIFRAUD_ANALYSIS_FINAL')
      const tx = await gatewayUntil(id, (t) => t.outcome !== 'pending')
      expect([id, tx.outcome]).toEqual([id, want])
    }
    const pushed = await hooks()
    for (const id of risk.keys()) expect(pushed[id]).toBeUndefined()
    for (const [id, want] of held) expect([id, pushed[id]?.map((h) => h.status)]).toEqual([id, [want]])
    const audit = await graphql(
      ACCOUNT,
      WORKSPACE,
      { query: `{ auditLog(from: "${new Date(Date.now() - 3600_000).toISOString()}", to: "${new Date(Date.now() + 60_000).toISOString()}", first: 500) { operation outcome } }` },
      { 'x-vtex-credential': 'e2e-app-token', ...person },
      REPLICAS[1].port
    )
    const decisions = (audit.data?.auditLog ?? []).filter((a: { operation: string }) => a.operation === 'decideAntifraudReview')
    expect(decisions.length).toBe(held.size * 3 + 1)
  }, 240000)
})
