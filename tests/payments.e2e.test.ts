/**
 * Payments on account end to end: ponte-sim as VTEX's Payment Gateway (through its IO router)
 * and as the ERP's credit ledger, and TWO replicas of the service under the real @vtex/api
 * runtime, all over HTTP.
 *
 * - The Payment Provider Protocol's homologation flows (authorize with settle and refund, denied,
 *   cancel, async approved, async denied), run by the gateway on the sim clock, every one green,
 *   and the ERP's records agreeing (captured, refunded, released).
 * - Credentials on every payment call; the protocol's error shapes with stable codes for bad
 *   input (malformed body, unknown payment, settle above the authorisation, refund above the
 *   settlement), with nothing changed at the ERP.
 * - Partial invoices settle exactly the invoiced value.
 * - Concurrent purchases (duplicated creates, settlements racing a retried create, cancellations
 *   racing settlements, duplicated settlements, both replicas, ERP timeouts for some) never put
 *   a customer over their limit, never authorise twice, settle exactly what was invoiced and
 *   release every cancelled hold; every answer within 5 s.
 * - callbackUrl: an undefined authorisation is called back once the ERP answers (the gateway
 *   retries the create at once, one approval), and a pending callback survives the death of
 *   every replica.
 * - The OMS follows the payment: an order paid on account waits in payment-pending until the
 *   gateway approves (then ready-for-handling), a denied payment cancels it.
 */
import { spawnSync } from 'child_process'
import { readFileSync, writeFileSync } from 'fs'
import { join } from 'path'

import type { Running, Sim } from './support/processes'
import { REPO, startService, startSim, tearDown, workDir } from './support/processes'
import { accountVtex, routeFetch, simJson } from './support/http'
import { putAppSettings, viaProxy } from './support/vtexid'

const ACCOUNT = 'ponte'
const WORKSPACE = 'master'
const APP = 'ponte.ponte'
const APP_KEY = 'vtexappkey-gateway-e2e'
const APP_TOKEN = 'gateway-e2e-token-0123456789'
const CONNECTOR = '/_v/api/connectors/ponte.ponte/v0'
/** 300 by default (make test's budget); the 1,000 with PONTE_E2E_FULL=1. */
const PURCHASES = Number(process.env.PONTE_E2E_PURCHASES ?? (process.env.PONTE_E2E_FULL ? 1000 : 300))
const REPLICAS = [
  { port: 5450, upPort: 5400 },
  { port: 5470, upPort: 5410 },
]
const CUSTOMERS = Math.max(1, Math.min(100, Math.floor(PURCHASES / 10)))
/**
 * The purchase of the run whose hold crashes the replica that placed it (node/lib/faults.ts): a
 * third of the way in, of a customer whose ERP answers at once (every tenth is slow), so it is
 * approved and its hold is placed while other authorisations are in flight.
 */
const VICTIM_INDEX = ((k) => (k % CUSTOMERS) % 10 === 0 ? k + 1 : k)(Math.floor(PURCHASES / 3))
const VICTIM = `PAY${String(VICTIM_INDEX).padStart(5, '0')}`

const { work, dataDir } = workDir('payments')

let sim: Sim
const replicas: Array<Running | undefined> = [undefined, undefined]
const simCall = <T>(method: string, path: string, body?: unknown) => simJson<T>(sim.url, method, path, body)

interface Http {
  status: number
  body: Record<string, unknown>
  ms: number
}
interface Tx {
  paymentId: string
  transactionId: string
  status: string
  value: number
  settled: number
  refunded: number
  calls: Array<{ op: string; status: number; ms: number; answer: Record<string, unknown>; requestId?: string | null }>
  approvals: number
  settlements: Array<{ requestId: string; value: number }>
  callbacks: Array<{ status: number; accepted: boolean; code?: string; retried?: boolean }>
}
interface HoldRecord {
  holdId: string
  customer: string
  value: number
  captured: number
  refunded: number
  released: boolean
}
interface AccountView {
  account: { customer: string; limit: number; unpaidInvoices: number }
  openHolds: number
  receivables: number
  exposure: number
  holds: HoldRecord[]
}

const account = (customer: string, limit: number, extra: Record<string, unknown> = {}) =>
  simCall('PUT', `/_sim/erp/credit/accounts/${encodeURIComponent(customer)}`, { limit, currency: 'BRL', ...extra })
const ledger = (customer: string) => simCall<AccountView>('GET', `/_sim/erp/credit/accounts/${encodeURIComponent(customer)}`)
const buyer = (document: string) => ({ document, email: `${document}@buyer.example`, isCorporate: false })
const create = (orderId: string, value: number, document: string, paymentId?: string) =>
  simCall<{ transaction: Tx; http: Http }>('POST', '/_sim/gateway/transactions', { orderId, value, buyer: buyer(document), paymentId })
const move = (paymentId: string, kind: 'settlements' | 'refunds' | 'cancellations', body: Record<string, unknown> = {}) =>
  simCall<{ transaction: Tx; http: Http }>('POST', `/_sim/gateway/transactions/${paymentId}/${kind}`, body)

/** A call straight to a replica, as VTEX's router sends a public route. */
async function direct(routeId: string, path: string, body: unknown, headers: Record<string, string>, params: Record<string, string> = {}, replica = 0) {
  const to = { port: REPLICAS[replica].port, account: ACCOUNT, workspace: WORKSPACE }
  const res = await routeFetch(to, routeId, `${CONNECTOR}${path}`, { credential: 'e2e', params, headers, body })
  return { status: res.status, body: (await res.json().catch(() => null)) as Record<string, unknown> | null }
}
const goodKeys = { 'x-provider-api-appkey': APP_KEY, 'x-provider-api-apptoken': APP_TOKEN }
const faultMarker = join(work, 'fault-marker')

/**
 * Starts replica `i` (its files under `app-{i}{suffix}`). Every replica carries the same crash
 * point: whichever places {@link VICTIM}'s hold first dies there, once (the marker file).
 */
async function launch(i: number, suffix = ''): Promise<Running> {
  const env = { PONTE_FAULT_EXIT_AT: `payment-after-hold:${VICTIM}`, PONTE_FAULT_ONCE_FILE: faultMarker }
  replicas[i] = await startService({ simUrl: sim.url, account: ACCOUNT, workspace: WORKSPACE, appDir: join(work, `app-${i}${suffix}`), ...REPLICAS[i], env })
  return replicas[i] as Running
}

beforeAll(async () => {
  sim = await startSim(dataDir)
  await putAppSettings(sim.url, ACCOUNT, WORKSPACE, APP, {
    erpEndpoint: 'https://erp.ponte-sim.test/erp',
    paymentAppKey: APP_KEY,
    paymentAppToken: APP_TOKEN,
    paymentsTuning: { callbackFirstMs: 1000, callbackMaxMs: 4000 },
  })
  for (let i = 0; i < REPLICAS.length; i++) {
    await launch(i)
  }
  await simCall('PUT', '/_sim/io', {
    replicas: REPLICAS.map((r) => `http://127.0.0.1:${r.port}`),
    account: ACCOUNT,
    workspace: WORKSPACE,
    serviceJson: JSON.parse(readFileSync(join(REPO, 'node', 'service.json'), 'utf8')),
  })
  await simCall('PUT', '/_sim/gateway/config', { appKey: APP_KEY, appToken: APP_TOKEN, deadlineMs: 5000 })
}, 120000)

afterAll(async () => {
  await tearDown(work, replicas, sim)
})

test('the manifest answers the payment method and the custom fields of configuration.json', async () => {
  const m = await simCall<Http>('POST', '/_sim/gateway/manifest')
  expect(m.status).toBe(200)
  const config = JSON.parse(readFileSync(join(REPO, 'paymentProvider', 'configuration.json'), 'utf8')) as Record<string, unknown>
  expect(m.body.paymentMethods).toEqual(config.paymentMethods)
  expect(m.body.customFields).toEqual(config.customFields)
})

test('every homologation flow is green, and the ERP agrees', async () => {
  const value = 12345
  await account('hom-authorize', 1_000_000)
  await account('hom-denied', 0)
  await account('hom-cancel', 1_000_000)
  // Slower than the connector's ERP budget on the first read only: undefined, then decided.
  await account('hom-async-approved', 1_000_000, { slowMs: 4500, slowCalls: 1 })
  await account('hom-async-denied', 100, { slowMs: 4500, slowCalls: 1 })
  const result = await simCall<{ ok: boolean; flows: Array<{ name: string; ok: boolean; steps: unknown[] }>; notApplicable: unknown[] }>(
    'POST',
    '/_sim/gateway/homologation',
    {
      value,
      buyers: {
        authorize: buyer('hom-authorize'),
        denied: buyer('hom-denied'),
        cancel: buyer('hom-cancel'),
        asyncApproved: buyer('hom-async-approved'),
        asyncDenied: buyer('hom-async-denied'),
      },
    }
  )
  const failed = result.flows.filter((f) => !f.ok)
  expect(failed).toEqual([])
  expect(result.flows.map((f) => f.name)).toEqual(['Authorize', 'Denied', 'Cancel', 'AsyncApproved', 'AsyncDenied'])
  expect(result.ok).toBe(true)

  const [auth] = (await ledger('hom-authorize')).holds
  expect(auth).toMatchObject({ value, captured: value, refunded: value })
  expect((await ledger('hom-denied')).holds).toEqual([])
  const [cancel] = (await ledger('hom-cancel')).holds
  expect(cancel).toMatchObject({ value, released: true, captured: 0 })
  expect((await ledger('hom-cancel')).exposure).toBe(0)
  const asyncOk = await ledger('hom-async-approved')
  expect(asyncOk.holds).toHaveLength(1)
  expect(asyncOk.openHolds).toBe(value)
  expect((await ledger('hom-async-denied')).holds).toEqual([])
}, 120000)

test('credentials are checked on every payment call', async () => {
  const body = { paymentId: 'CRED1', value: 1, miniCart: { buyer: buyer('hom-authorize') } }
  const refused: Array<Record<string, string>> = [{}, { 'x-provider-api-appkey': APP_KEY }, { 'x-provider-api-appkey': APP_KEY, 'x-provider-api-apptoken': 'wrong-token-000000' }]
  for (const headers of refused) {
    const r = await direct('paymentCreate', '/payments', body, headers)
    expect(r.status).toBe(401)
    expect(r.body).toMatchObject({ status: 'error', code: 'PAYMENT_CREDENTIALS_INVALID' })
  }
  const settle = await direct('paymentSettle', '/payments/CRED1/settlements', { paymentId: 'CRED1', requestId: 'r', value: 1 }, {}, { paymentId: 'CRED1' })
  expect(settle.status).toBe(401)
  // Nothing reached the ERP or the store: the payment is unknown.
  const after = await direct('paymentSettle', '/payments/CRED1/settlements', { paymentId: 'CRED1', requestId: 'r', value: 1 }, goodKeys, { paymentId: 'CRED1' })
  expect(after.body).toMatchObject({ code: 'PAYMENT_NOT_FOUND', settleId: null })
  const inbound = await direct('paymentInbound', '/payments/CRED1/inbound/hooks', {}, goodKeys, { paymentId: 'CRED1', action: 'hooks' })
  expect(inbound.status).toBe(501)
})

test('bad input gets the protocol error shape with a stable code, and changes nothing', async () => {
  await account('bad-input', 50_000)
  const malformed = await direct('paymentCreate', '/payments', '{"paymentId": ', goodKeys)
  expect(malformed).toEqual({ status: 400, body: expect.objectContaining({ status: 'error', code: 'PAYMENT_REQUEST_MALFORMED' }) })
  const threeDecimals = await direct('paymentCreate', '/payments', { paymentId: 'BAD1', value: 1.005, miniCart: { buyer: buyer('bad-input') } }, goodKeys)
  expect(threeDecimals.status).toBe(400)
  expect(threeDecimals.body).toMatchObject({ status: 'error', code: 'PAYMENT_REQUEST_MALFORMED' })
  const noBuyer = await direct('paymentCreate', '/payments', { paymentId: 'BAD2', value: 10 }, goodKeys)
  expect(noBuyer.body).toMatchObject({ status: 'error', code: 'PAYMENT_CUSTOMER_MISSING' })

  const { transaction } = await create('o-bad', 10_000, 'bad-input')
  expect(transaction.status).toBe('approved')
  const pid = transaction.paymentId
  const above = await move(pid, 'settlements', { value: 10_001 })
  expect(above.http.status).toBe(500)
  expect(above.http.body).toMatchObject({ paymentId: pid, settleId: null, value: 0, code: 'PAYMENT_SETTLE_ABOVE_AUTHORIZED' })
  const noSettle = await move(pid, 'refunds', { value: 1 })
  expect(noSettle.http.body).toMatchObject({ refundId: null, code: 'PAYMENT_REFUND_NOT_ALLOWED' })
  await move(pid, 'settlements', { value: 4_000, requestId: 'bad-s1' })
  const refundAbove = await move(pid, 'refunds', { value: 4_001 })
  expect(refundAbove.http.body).toMatchObject({ refundId: null, value: 0, code: 'PAYMENT_REFUND_ABOVE_SETTLED' })
  const cancelSettled = await move(pid, 'cancellations')
  expect(cancelSettled.http.body).toMatchObject({ cancellationId: null, code: 'PAYMENT_CANCEL_AFTER_SETTLE' })
  const [hold] = (await ledger('bad-input')).holds
  expect(hold).toMatchObject({ value: 10_000, captured: 4_000, refunded: 0, released: false })

  // The whole table on every movement route: each refusal with its stable code and the
  // protocol's shape (500, the id null), and nothing moved anywhere.
  const routes = [
    { kind: 'settlements', route: 'paymentSettle', id: 'settleId' },
    { kind: 'refunds', route: 'paymentRefund', id: 'refundId' },
    { kind: 'cancellations', route: 'paymentCancel', id: 'cancellationId' },
  ] as const
  const wrongKey = { 'x-provider-api-appkey': 'vtexappkey-someone-else', 'x-provider-api-apptoken': APP_TOKEN }
  for (const { kind, route, id } of routes) {
    const valid = { paymentId: pid, requestId: `bad-table-${kind}`, value: 1 }
    const cases: Array<[string, string, unknown, Record<string, string>, string, number]> = [
      ['unknown payment', 'BAD-UNKNOWN', { ...valid, paymentId: 'BAD-UNKNOWN' }, goodKeys, 'PAYMENT_NOT_FOUND', 500],
      ['another payment in the path', 'BAD-OTHER', valid, goodKeys, 'PAYMENT_ID_MISMATCH', 500],
      ['not JSON', pid, '{"paymentId":', goodKeys, 'PAYMENT_REQUEST_MALFORMED', 500],
      ['no paymentId', pid, { requestId: 'x', value: 1 }, goodKeys, 'PAYMENT_ID_INVALID', 500],
      ['missing app key', pid, valid, { 'x-provider-api-apptoken': APP_TOKEN }, 'PAYMENT_CREDENTIALS_INVALID', 401],
      ['wrong app key', pid, valid, wrongKey, 'PAYMENT_CREDENTIALS_INVALID', 401],
    ]
    for (const [what, pathId, body, headers, code, status] of cases) {
      const r = await direct(route, `/payments/${pathId}/${kind}`, body, headers, { paymentId: pathId })
      expect({ kind, what, status: r.status, code: r.body?.code }).toEqual({ kind, what, status, code })
      if (status === 500) expect(r.body?.[id]).toBeNull()
    }
  }
  expect((await ledger('bad-input')).holds).toEqual([hold])
  const tx = await simCall<Tx>('GET', `/_sim/gateway/transactions/${pid}`)
  expect({ status: tx.status, settled: tx.settled, refunded: tx.refunded }).toEqual({ status: 'approved', settled: 4_000, refunded: 0 })
  // The refused creates left no payment behind.
  for (const bad of ['BAD1', 'BAD2']) {
    const r = await direct('paymentSettle', `/payments/${bad}/settlements`, { paymentId: bad, requestId: 'r', value: 1 }, goodKeys, { paymentId: bad })
    expect(r.body).toMatchObject({ code: 'PAYMENT_NOT_FOUND' })
  }
})

test('partial invoices settle exactly the invoiced value, once per request', async () => {
  await account('invoiced', 100_000, { unpaidInvoices: 20_000 })
  const { transaction } = await create('o-invoice', 30_000, 'invoiced')
  expect(transaction.status).toBe('approved')
  const pid = transaction.paymentId
  const first = await move(pid, 'settlements', { value: 12_000, requestId: 'inv-1' })
  expect(first.http.body).toMatchObject({ settleId: `${pid}-S1`, value: 120 })
  const again = await move(pid, 'settlements', { value: 12_000, requestId: 'inv-1' })
  expect(again.http.body).toMatchObject({ settleId: `${pid}-S1`, value: 120 })
  const second = await move(pid, 'settlements', { value: 18_000, requestId: 'inv-2' })
  expect(second.http.body).toMatchObject({ settleId: `${pid}-S2`, value: 180 })
  const view = await ledger('invoiced')
  expect(view.holds[0]).toMatchObject({ captured: 30_000 })
  expect(view.receivables).toBe(20_000 + 30_000)
  expect(view.openHolds).toBe(0)
})

test('simultaneous purchases of one customer never spend the same credit; a duplicated create holds once', async () => {
  await account('contended', 5_000)
  const results = await Promise.all(Array.from({ length: 20 }, (_, i) => create(`o-cont-${i}`, 1000, 'contended', `CONT${i}`)))
  const approved = results.filter((r) => r.http.body.status === 'approved').length
  expect(approved).toBe(5)
  expect(results.filter((r) => r.http.body.status === 'denied')).toHaveLength(15)
  const view = await ledger('contended')
  expect(view.openHolds).toBe(5_000)
  expect(view.holds).toHaveLength(5)

  // The same create three times at once, spread over both replicas by the router.
  await account('duplicated', 1_500)
  const first = await create('o-dup', 1000, 'duplicated', 'DUP1')
  const again = await Promise.all(Array.from({ length: 3 }, () => simCall<{ http: Http }>('POST', '/_sim/gateway/transactions/DUP1/authorize')))
  for (const a of again) expect(a.http.body).toMatchObject({ status: first.http.body.status, authorizationId: first.http.body.authorizationId })
  expect((await ledger('duplicated')).holds).toHaveLength(1)
  expect((await ledger('duplicated')).openHolds).toBe(1000)

  // A new payment created at the same instant on both replicas, twice each: one hold, one answer.
  const body = { paymentId: 'DUP2', value: 5, currency: 'BRL', miniCart: { buyer: buyer('duplicated') } }
  const answers = await Promise.all([0, 1, 0, 1].map((r) => direct('paymentCreate', '/payments', body, goodKeys, {}, r)))
  for (const a of answers) expect(a.status).toBe(200)
  const decided = answers.map((a) => a.body?.status)
  expect(new Set(decided.filter((d) => d !== 'undefined')).size).toBeLessThanOrEqual(1)
  const dup = await ledger('duplicated')
  expect(dup.holds.filter((h) => h.holdId === 'DUP2')).toHaveLength(1)
  expect(dup.openHolds).toBe(1500)
}, 60000)

test(`${PURCHASES} concurrent purchases from ${CUSTOMERS} customers, duplicated and reordered gateway calls, ERP timeouts, a replica SIGKILLed mid-authorisation: nobody over their limit, never authorised twice, settled as invoiced, cancelled holds released`, async () => {
  const customers = CUSTOMERS
  // Each customer can afford about 60% of what they try to buy; some time out once (the create is undefined, then called back).
  for (let c = 0; c < customers; c++) {
    const slow = c % 10 === 0 ? { slowMs: 4500, slowCalls: 1 } : {}
    await account(`buyer-${c}`, 500 + Math.max(1500, Math.floor((PURCHASES / customers) * 1000 * 0.6)), { unpaidInvoices: 500, ...slow })
  }
  let next = 0
  const answers: Http[] = []
  /** Every invoice settlement asked for: paymentId → requestId → value, and whether the connector confirmed it. */
  const invoices = new Map<string, Map<string, { value: number; ok: boolean }>>()
  const settle = async (pid: string, requestId: string, value: number) => {
    const r = await move(pid, 'settlements', { value, requestId })
    const byPayment = invoices.get(pid) ?? new Map<string, { value: number; ok: boolean }>()
    invoices.set(pid, byPayment)
    const before = byPayment.get(requestId)
    byPayment.set(requestId, { value, ok: (before?.ok ?? false) || r.http.status === 200 })
    return r.http
  }
  /** Cancellations asked, and whether one got an answer (one cut by the crash is asked again, as VTEX retries). */
  const cancellations = new Map<string, { requestId: string; answered: boolean }>()
  const cancelPayment = async (pid: string, requestId: string) => {
    const r = await move(pid, 'cancellations', { requestId })
    cancellations.set(pid, { requestId, answered: (cancellations.get(pid)?.answered ?? false) || r.http.status !== 0 })
  }
  // The crash (node/lib/faults.ts): the replica that places VICTIM's hold dies there, its whole
  // process group at once; it is started again while the other replica carries on.
  let crashed: number | null = null
  const relaunched = new Promise<void>((done, failed) => {
    replicas.forEach((r, i) =>
      r?.child.once('exit', () => {
        if (crashed !== null) return
        crashed = i
        void r
          .stop()
          .then(() => launch(i, '-k'))
          .then(() => done(), failed)
      })
    )
  })
  const worker = async () => {
    while (next < PURCHASES) {
      const i = next++
      const pid = `PAY${String(i).padStart(5, '0')}`
      const created = create(`o-${i}`, 1000, `buyer-${i % customers}`, pid)
      // Reordered: a settlement sent before the create's answer (the gateway's retry racing an invoice).
      if (i % 5 === 1) {
        // As soon as the gateway has the transaction, while its create is still at the connector.
        for (let t = 0; t < 100; t++) {
          const known = await simCall<Tx>('GET', `/_sim/gateway/transactions/${pid}`).catch(() => null)
          if (known) break
          await new Promise((done) => setTimeout(done, 5))
        }
        await settle(pid, `invoice-${i}-a`, 400)
      }
      const r = await created
      answers.push(r.http)
      // A duplicated create from the gateway for some.
      if (i % 7 === 0) answers.push((await simCall<{ http: Http }>('POST', `/_sim/gateway/transactions/${pid}/authorize`)).http)
      if (r.transaction.status !== 'approved') continue
      if (i % 5 === 2) {
        // A cancellation racing a settlement.
        await Promise.all([cancelPayment(pid, `cancel-${i}`), settle(pid, `invoice-${i}-b`, 300)])
      } else if (i % 5 === 3) {
        // The same invoice's settlement delivered twice at once, then the rest invoiced.
        await Promise.all([settle(pid, `invoice-${i}-c`, 250), settle(pid, `invoice-${i}-c`, 250)])
        await settle(pid, `invoice-${i}-d`, 750)
      } else if (i % 5 === 4) {
        await cancelPayment(pid, `cancel-${i}`)
      }
    }
  }
  const started = Date.now()
  await Promise.all(Array.from({ length: 16 }, worker))
  const seconds = (Date.now() - started) / 1000
  expect(crashed).not.toBeNull()
  await relaunched
  expect(readFileSync(faultMarker, 'utf8')).toContain(`payment-after-hold:${VICTIM}`)
  // The undefined ones (and those the crash cut) are called back, or retried on the gateway's
  // cadence; settlements asked early and cancellations the crash cut are asked again.
  await simCall('POST', '/_sim/clock/advance', { ms: 4 * 3600 * 1000 })
  await simCall('POST', '/_sim/gateway/timers')
  for (const [pid, byPayment] of invoices) {
    for (const [requestId, inv] of byPayment) if (!inv.ok) await settle(pid, requestId, inv.value)
  }
  for (const [pid, c] of cancellations) if (!c.answered) await cancelPayment(pid, c.requestId)
  const { counters } = await simCall<{ counters: Record<string, number> }>('GET', '/_sim/gateway/transactions')
  const erp = await simCall<{ accounts: AccountView[]; counters: Record<string, number> }>('GET', '/_sim/erp/credit')
  const within5s = answers.filter((a) => a.status === 200 && a.ms < 5000).length
  // Cut by the crash: no answer at all, the connection gone before the deadline (VICTIM's among them).
  const cut = answers.filter((a) => a.status === 0 && a.ms < 5000 && !/timeout/i.test(JSON.stringify(a.body)))
  console.log(
    `payments: ${PURCHASES} purchases in ${seconds.toFixed(1)} s (${(PURCHASES / seconds).toFixed(1)}/s); ${within5s}/${answers.length} answers within 5 s, ${cut.length} cut by the crash of replica ${crashed};`,
    JSON.stringify(counters),
    JSON.stringify(erp.counters)
  )
  expect(cut.length).toBeGreaterThan(0)
  expect(within5s).toBe(answers.length - cut.length)
  expect(counters.doubleApprovals).toBe(0)
  expect(erp.counters.overLimit).toBe(0)
  for (const a of erp.accounts.filter((x) => x.account.customer.startsWith('buyer-'))) {
    expect(a.exposure).toBeLessThanOrEqual(Math.max(a.account.limit, a.account.unpaidInvoices))
  }
  const { transactions } = await simCall<{ transactions: Tx[] }>('GET', '/_sim/gateway/transactions')
  const holds = new Map(erp.accounts.flatMap((a) => a.holds).map((h) => [h.holdId, h]))
  const mine = transactions.filter((x) => x.paymentId.startsWith('PAY'))
  expect(mine).toHaveLength(PURCHASES)
  expect(mine.filter((x) => x.status === 'authorizing')).toEqual([])
  // The crashed authorisation: its hold was placed, its answer never sent; the gateway's retry
  // found the hold and approved it, once, on one hold.
  const victim = mine.find((t) => t.paymentId === VICTIM)
  expect(victim?.calls.find((c) => c.op === 'create')).toMatchObject({ status: 0 })
  expect(victim).toMatchObject({ status: 'approved', approvals: 1 })
  expect(erp.accounts.flatMap((a) => a.holds).filter((h) => h.holdId === VICTIM)).toHaveLength(1)
  for (const t of mine) {
    const hold = holds.get(t.paymentId)
    // Never authorised twice.
    expect(t.approvals).toBeLessThanOrEqual(1)
    // Every settled value equals its invoices (each invoice once), at the gateway and at the ERP.
    const invoiced = [...(invoices.get(t.paymentId)?.values() ?? [])].filter((v) => v.ok).reduce((sum, v) => sum + v.value, 0)
    expect({ pid: t.paymentId, settled: t.settled }).toEqual({ pid: t.paymentId, settled: invoiced })
    expect(t.settlements.reduce((sum, v) => sum + v.value, 0)).toBe(t.settled)
    expect(hold?.captured ?? 0).toBe(t.settled)
    if (t.status === 'denied') expect(hold).toBeUndefined()
    if (t.status === 'approved') expect(hold).toMatchObject({ value: 1000, released: false })
    // Every cancelled hold released.
    if (t.status === 'cancelled' && hold) expect(hold.released).toBe(true)
  }
  // Credit ran out for some and not for others; some were cancelled, some settled: every path happened.
  for (const s of ['approved', 'denied', 'cancelled']) expect(mine.filter((x) => x.status === s).length).toBeGreaterThan(0)
  expect(mine.filter((x) => x.settled > 0).length).toBeGreaterThan(0)
  // Each customer's open holds are exactly their live approvals' unsettled part, within what their limit left them.
  for (const a of erp.accounts.filter((x) => x.account.customer.startsWith('buyer-'))) {
    const live = mine.filter((t) => t.status === 'approved' && holds.get(t.paymentId)?.customer === a.account.customer)
    expect(live.reduce((sum, t) => sum + 1000 - t.settled, 0)).toBe(a.openHolds)
  }
}, 600000)

/** A call to the OMS at its real host through the simulator, with an admin's app key. */
async function oms(method: string, path: string, body?: unknown) {
  return (await accountVtex(sim.url, ACCOUNT, method, path, body)) as Record<string, unknown>
}

async function until<T>(what: string, read: () => Promise<T>, ok: (v: T) => boolean, ms = 20000): Promise<T> {
  const deadline = Date.now() + ms
  for (;;) {
    const v = await read()
    if (ok(v)) return v
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(v).slice(0, 400)}`)
    await new Promise((done) => setTimeout(done, 200))
  }
}

test('an order paid on account: its invoices settle exactly the invoiced values; a cancelled order cancels the payment', async () => {
  await simCall('PUT', '/_sim/oms/config', { autoStepMs: 50, cancellationWindowSeconds: 1, startHandlingConfirmMs: 50, settlementMs: 50 })
  await account('ordering', 100_000)
  const order = await simCall<{ orderId: string; value: number }>('POST', '/_sim/oms/orders', {
    items: [{ id: '1', quantity: 2, price: 10_000 }, { id: '2', quantity: 1, price: 5_000 }],
    shippingValue: 1_000,
    gatewayPayment: true,
  })
  const statusOf = (orderId: string) => () => oms('GET', `/api/oms/pvt/orders/${orderId}`).then((o) => o.status as string)
  const status = statusOf(order.orderId)
  // Paid on account: the order waits in payment-pending for the gateway (it would be past it after six auto steps).
  await until('payment pending', status, (s) => s === 'payment-pending')
  await new Promise((done) => setTimeout(done, 500))
  expect(await status()).toBe('payment-pending')
  const { transaction } = await create(order.orderId, order.value, 'ordering', `ORD${Date.now()}`)
  expect(transaction.status).toBe('approved')
  await until('ready for handling', status, (s) => s === 'ready-for-handling')
  await oms('POST', `/api/oms/pvt/orders/${order.orderId}/start-handling`)
  await until('handling', status, (s) => s === 'handling')
  // Two invoices: a partial one, then the rest.
  const invoice = (number: string, value: number, items: Array<{ id: string; quantity: number; price: number }>) =>
    oms('POST', `/api/oms/pvt/orders/${order.orderId}/invoice`, {
      type: 'Output',
      invoiceNumber: number,
      invoiceValue: String(value),
      issuanceDate: '2026-12-07T12:00:00Z',
      items,
    })
  await invoice('NF-1', 20_000, [{ id: '1', quantity: 2, price: 10_000 }])
  await invoice('NF-2', order.value - 20_000, [{ id: '2', quantity: 1, price: 5_000 }])
  const settled = await until(
    'settled',
    () => simCall<Tx>('GET', `/_sim/gateway/transactions/${transaction.paymentId}`),
    (t) => t.settled === order.value
  )
  expect(settled.settled).toBe(order.value)
  const [hold] = (await ledger('ordering')).holds
  expect(hold).toMatchObject({ value: order.value, captured: order.value })

  // A second order, cancelled before handling: its payment is cancelled and the hold released.
  const second = await simCall<{ orderId: string; value: number }>('POST', '/_sim/oms/orders', { items: [{ id: '1', quantity: 1, price: 3_000 }] })
  const paid = await create(second.orderId, second.value, 'ordering', `ORD2${Date.now()}`)
  expect(paid.transaction.status).toBe('approved')
  await oms('POST', `/api/oms/pvt/orders/${second.orderId}/cancel`, {})
  const cancelled = await until(
    'cancelled',
    () => simCall<Tx>('GET', `/_sim/gateway/transactions/${paid.transaction.paymentId}`),
    (t) => t.status === 'cancelled'
  )
  expect(cancelled.settled).toBe(0)
  const released = (await ledger('ordering')).holds.find((h) => h.holdId === paid.transaction.paymentId)
  expect(released).toMatchObject({ released: true, captured: 0 })

  // A third order, paid on account by a customer without the credit: denied, and the order is cancelled.
  await account('short-of-credit', 1_000)
  const third = await simCall<{ orderId: string; value: number }>('POST', '/_sim/oms/orders', { items: [{ id: '1', quantity: 1, price: 50_000 }], gatewayPayment: true })
  await until('payment pending', statusOf(third.orderId), (s) => s === 'payment-pending')
  const denied = await create(third.orderId, third.value, 'short-of-credit', `ORD3${Date.now()}`)
  expect(denied.transaction.status).toBe('denied')
  await until('canceled by the payment', statusOf(third.orderId), (s) => s === 'canceled')
  const canceledOrder = await oms('GET', `/api/oms/pvt/orders/${third.orderId}`)
  expect((canceledOrder.cancellationData as Record<string, unknown>).RequestedByPaymentNotification).toBe(true)
  expect((await ledger('short-of-credit')).holds).toEqual([])
}, 120000)

/** The pending callbacks a replica can deliver now (what vtex.scheduler or an operator calls). */
async function deliverCallbacks(replica = 0) {
  const to = { port: REPLICAS[replica].port, account: ACCOUNT, workspace: WORKSPACE }
  const res = await routeFetch(to, 'paymentCallbacks', '/_v/ponte/payments/callbacks', { credential: 'e2e', headers: goodKeys })
  return { status: res.status, body: (await res.json()) as Record<string, number> }
}

test('an undefined authorisation is called back once the ERP answers: the gateway retries at once, one approval, one hold', async () => {
  // The ERP answers this customer's first call after the connector's budget: undefined.
  await account('late-1', 5_000, { slowMs: 4500, slowCalls: 1 })
  const pid = `LATE1${Date.now()}`
  const first = await create(`o-${pid}`, 1000, 'late-1', pid)
  expect(first.http.body.status).toBe('undefined')
  // The sim clock does not move: the gateway's own retry is an hour away, only the callback brings it now.
  const tx = await until('approved through the callback', () => simCall<Tx>('GET', `/_sim/gateway/transactions/${pid}`), (t) => t.status === 'approved', 30000)
  const accepted = tx.callbacks.filter((c) => c.accepted)
  expect(accepted.length).toBeGreaterThanOrEqual(1)
  expect(accepted.filter((c) => c.retried).length).toBeGreaterThanOrEqual(1)
  expect(tx.approvals).toBe(1)
  expect(tx.calls.filter((c) => c.op === 'create')).toHaveLength(2)
  const holds = (await ledger('late-1')).holds
  expect(holds.map((h) => [h.holdId, h.value])).toEqual([[pid, 1000]])
  // A callback with another signature is refused, and changes nothing.
  const forged = await viaProxy(
    sim.url,
    'POST',
    `http://${ACCOUNT}.vtexpayments.com.br/api/pvt/payment-provider/transactions/${tx.transactionId}/payments/${pid}/callback?accountName=${ACCOUNT}&X-VTEX-signature=0000`,
    { paymentId: pid, status: 'denied' },
    { 'X-VTEX-API-AppKey': APP_KEY, 'X-VTEX-API-AppToken': APP_TOKEN }
  )
  expect(forged.status).toBe(401)
  expect((forged.body as Record<string, unknown>).code).toBe('GATEWAY_CALLBACK_SIGNATURE')
  const after = await simCall<Tx>('GET', `/_sim/gateway/transactions/${pid}`)
  expect(after.status).toBe('approved')
  expect(after.calls).toHaveLength(tx.calls.length)
}, 60000)

test('a pending callback survives the death of every replica: with no traffic at all, the scheduled tick has a restarted replica deliver it', async () => {
  await account('late-2', 5_000, { slowMs: 4500, slowCalls: 1 })
  const pid = `LATE2${Date.now()}`
  const first = await create(`o-${pid}`, 1000, 'late-2', pid)
  expect(first.http.body.status).toBe('undefined')
  // The scheduler's firings so far (a firing while the replicas restart may already deliver it).
  const scheduler = () => simCall<{ fired: number; ok: number }>('GET', '/_sim/scheduler/stats')
  const firedBefore = await scheduler()
  // Both replicas die before the first delivery (callbackFirstMs is 1 s).
  for (const r of replicas) process.kill(-(r?.child.pid as number), 'SIGKILL')
  for (const r of replicas) await r?.stop()
  const before = await simCall<Tx>('GET', `/_sim/gateway/transactions/${pid}`)
  expect(before.status).toBe('authorizing')
  expect(before.callbacks).toEqual([])
  for (let i = 0; i < REPLICAS.length; i++) {
    await launch(i, '-c')
  }
  // Nothing in any process remembers it: the pending file in VBase does, and nobody calls the
  // connector: the callbacks tick the connector scheduled (vtex.scheduler, every minute) does.
  await simCall('POST', '/_sim/clock/advance', { ms: 61_000 })
  const tx = await until('approved through the tick', () => simCall<Tx>('GET', `/_sim/gateway/transactions/${pid}`), (t) => t.status === 'approved', 20000)
  // The tick's call answered 2xx once it delivered (counted when its answer arrives).
  const firedAfter = await until('a tick answered', scheduler, (st) => st.ok > firedBefore.ok)
  expect(firedAfter.fired).toBeGreaterThan(firedBefore.fired)
  expect(tx.approvals).toBe(1)
  expect(tx.callbacks.filter((c) => c.accepted)).toHaveLength(1)
  expect((await ledger('late-2')).holds.map((h) => h.holdId)).toEqual([pid])
  // Delivered once: nothing is left to deliver.
  expect((await deliverCallbacks(1)).body).toMatchObject({ delivered: 0, waiting: 0 })
}, 120000)


test("the connector's answers match VTEX's Payment Provider Protocol OpenAPI", async () => {
  const { transactions } = await simCall<{ transactions: Tx[] }>('GET', '/_sim/gateway/transactions')
  const template: Record<string, string> = {
    create: '/payments',
    settlements: '/payments/{paymentId}/settlements',
    refunds: '/payments/{paymentId}/refunds',
    cancellations: '/payments/{paymentId}/cancellations',
  }
  const exchanges: Array<{ method: string; path: string; status: number; body: unknown }> = transactions.flatMap((t) =>
    t.calls.filter((c) => c.status !== 0).map((c) => ({ method: 'POST', path: template[c.op], status: c.status, body: c.answer }))
  )
  const manifest = await simCall<Http>('POST', '/_sim/gateway/manifest')
  exchanges.push({ method: 'GET', path: '/manifest', status: manifest.status, body: manifest.body })
  const inbound = await direct('paymentInbound', '/payments/P/inbound/hooks', {}, goodKeys, { paymentId: 'P', action: 'hooks' })
  exchanges.push({ method: 'POST', path: '/payments/{paymentId}/inbound/{action}', status: inbound.status, body: inbound.body })
  // Every kind of answer is there: approved, denied, undefined, settled, refunded, cancelled, refused.
  const statuses = new Set(exchanges.map((e) => `${e.path} ${e.status}`))
  for (const k of ['/payments 200', '/payments/{paymentId}/settlements 200', '/payments/{paymentId}/settlements 500', '/payments/{paymentId}/refunds 200', '/payments/{paymentId}/cancellations 200']) {
    expect(statuses).toContain(k)
  }
  const file = join(work, 'payment-exchanges.json')
  writeFileSync(file, JSON.stringify(exchanges))
  const run = spawnSync('bash', [join(REPO, 'tests', 'openapi', 'payments.sh'), file], { encoding: 'utf8' })
  console.log(run.stdout.split('\n').filter((l) => !l.startsWith('VIOLATION')).slice(0, 20).join('\n'))
  expect(run.stdout.split('\n').filter((l) => l.startsWith('VIOLATION')).slice(0, 10)).toEqual([])
  expect(run.status).toBe(0)
}, 300000)
