/**
 * Orders end to end: ponte-sim (OMS with its workflow and timers, Feed v3, Hook, IO events, its
 * IO router in front of the replicas, VBase, app settings, and its ERP) and TWO replicas of the
 * service under the real @vtex/api runtime, all over HTTP.
 *
 * Shoppers place PONTE_E2E_ORDERS orders (default 300; 1,000 with PONTE_E2E_FULL=1, about ten
 * minutes); VTEX tells Ponte of every change three
 * times over (hook, feed tick, IO event), with duplicates, reordering and 429s injected on the
 * feed and the OMS; the sim's ERP receives each order from Ponte and acts back through Ponte's
 * GraphQL (start handling, invoices, some partial, tracking, some cancellations); one replica
 * is restarted midway. Asserted from the sim's and the ERP's own records: every order ends
 * invoiced or canceled, none lost, no duplicate ERP delivery, no call the OMS refused.
 */
import { mkdtempSync, mkdirSync, readFileSync, rmSync } from 'fs'
import { tmpdir } from 'os'
import { join } from 'path'

import type { Running, Sim } from './support/processes'
import { REPO, startService, startSim } from './support/processes'
import { simJson } from './support/http'
import { putAppSettings, viaProxy } from './support/vtexid'

const ACCOUNT = 'ponte'
const WORKSPACE = 'master'
const APP = 'ponte.ponte'
const ORDERS = Number(process.env.PONTE_E2E_ORDERS ?? (process.env.PONTE_E2E_FULL ? 1000 : 300))
const SECRET = 'e2e-hook-secret-0123456789'
const TICK_SECRET = 'e2e-tick-secret-9876543210'
// Node's fetch refuses some ports as unsafe (5060, SIP): these work for every client.
const REPLICAS = [
  { port: 5150, upPort: 5100 },
  { port: 5170, upPort: 5110 },
]
/** Statuses VTEX is asked to tell Ponte about (feed and hook filters). */
const STATUSES = ['ready-for-handling', 'handling', 'cancellation-requested', 'invoice', 'invoiced', 'cancel', 'canceled']

const work = mkdtempSync(join(tmpdir(), 'ponte-orders-e2e-'))
const dataDir = join(work, 'sim-data')
mkdirSync(dataDir)

let sim: Sim
const replicas: Array<Running | undefined> = [undefined, undefined]

const launch = (i: number) =>
  startService({ simUrl: sim.url, account: ACCOUNT, workspace: WORKSPACE, appDir: join(work, `app-${i}`), ...REPLICAS[i] })

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms))

const SETTINGS = {
  hookSecret: SECRET,
  tickSecret: TICK_SECRET,
  erpEndpoint: 'https://erp.ponte-sim.test/erp',
  // IO events carry every status of every order: Ponte keeps only these.
  intakeStatuses: STATUSES,
  // The safety net is off for the 1,000-order run (its own test below turns it on).
  ordersTuning: { sweepIntervalMs: 0 },
}

const simCall = <T>(method: string, path: string, body?: unknown) => simJson<T>(sim.url, method, path, body)

/** A call to VTEX at its real host, through the simulator as proxy, with an admin's app key. */
async function vtexAdmin(method: string, path: string, body?: unknown) {
  const reply = await viaProxy(sim.url, method, `http://${ACCOUNT}.vtexcommercestable.com.br${path}`, body, {
    'X-VTEX-API-AppKey': `vtexappkey-${ACCOUNT}-PONTE`,
    'X-VTEX-API-AppToken': 'ponte-sim-apptoken',
  })
  if (reply.status >= 300) throw new Error(`${method} ${path}: ${reply.status} ${JSON.stringify(reply.body)}`)
  return reply.body
}

interface OmsStats {
  orders: number
  byStatus: Record<string, number>
  calls: Record<string, { accepted: number; refused: Record<string, number>; failed?: Record<string, number> }>
  accepted: number
  refused: number
  customerCancellations: number
  ordersCreated: number
  changesV2: { requested: number; applied: number; refused: number; failed: number }
}

interface ErpStats {
  posts: number
  deliveryIdMismatches: number
  fenced: number
  lookups: number
  handoffs: { received: number; orders: number; duplicates: number }
  statusNotifications: { received: number; distinct: number; duplicates: number; withoutHandoff: number; byStatus: Record<string, number> }
  actions: {
    attempted: number
    succeeded: number
    byAction: Record<string, { attempted: number; succeeded: number }>
    refusedByPonte: Record<string, number>
    omsRefused: number
    errors: number
    retries: number
  }
  actor: { planned: number; finished: number; byOutcome: Record<string, number> }
  byOrder?: Record<string, unknown>
}

/** GraphQL on the first replica with an admin's app key (the License Manager owner role). */
async function adminGraphql<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const res = await fetch(`http://127.0.0.1:${REPLICAS[0].port}/${ACCOUNT}/${WORKSPACE}/_v/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-vtex-account': ACCOUNT,
      'x-vtex-workspace': WORKSPACE,
      'x-vtex-credential': 'e2e-app-token',
      'X-VTEX-API-AppKey': `vtexappkey-${ACCOUNT}-PONTE`,
      'X-VTEX-API-AppToken': 'ponte-sim-apptoken',
    },
    body: JSON.stringify({ query, variables }),
  })
  const json = (await res.json()) as { data?: T; errors?: unknown[] }
  if (!json.data || json.errors) throw new Error(`GraphQL: ${res.status} ${JSON.stringify(json.errors)}`)
  return json.data
}

const omsStats = () => simCall<OmsStats>('GET', `/_sim/oms/stats?account=${ACCOUNT}`)
const erpStats = (orders = false) => simCall<ErpStats>('GET', `/_sim/erp/orders/stats${orders ? '?orders=true' : ''}`)

beforeAll(async () => {
  sim = await startSim(dataDir)
  await putAppSettings(sim.url, ACCOUNT, WORKSPACE, APP, SETTINGS)
  // A fast OMS: the 30-minute cancellation window becomes 2 s; confirmations take 100 ms;
  // order modifications v2 are applied 300 ms after their 202, as VTEX does them: later.
  await simCall('PUT', '/_sim/oms/config', {
    autoStepMs: 50,
    cancellationWindowSeconds: 2,
    startHandlingConfirmMs: 100,
    changeProcessingMs: 300,
    cancelConfirmMs: 100,
    settlementMs: 100,
  })
  for (let i = 0; i < REPLICAS.length; i++) replicas[i] = await launch(i)
  // The sim as VTEX IO's router in front of both replicas: hook, event and scheduler deliveries.
  await simCall('PUT', '/_sim/io', {
    replicas: REPLICAS.map((r) => `http://127.0.0.1:${r.port}`),
    account: ACCOUNT,
    workspace: WORKSPACE,
    serviceJson: JSON.parse(readFileSync(join(REPO, 'node', 'service.json'), 'utf8')),
    events: true,
  })
  // The app sets up its own intake (Hook, Feed v3, the feed tick's schedule, every second here),
  // asked by an admin's app key; twice, to show it is idempotent.
  for (let i = 0; i < 2; i++) {
    const intake = await adminGraphql<{ configureOrderIntake: Record<string, unknown> }>(
      'mutation($e: String) { configureOrderIntake(tickExpression: $e) { hookUrl hookOk feedOk tickExpression tickNextExecution tickOk statuses ok } }',
      { e: '* * * ? * *' }
    )
    expect(intake.configureOrderIntake).toMatchObject({
      hookUrl: `https://${WORKSPACE}--${ACCOUNT}.myvtex.com/_v/ponte/orders/hook`,
      hookOk: true,
      feedOk: true,
      tickExpression: '* * * ? * *',
      tickOk: true,
      statuses: STATUSES,
      ok: true,
    })
    expect(JSON.stringify(intake)).not.toContain(SECRET)
    expect(JSON.stringify(intake)).not.toContain(TICK_SECRET)
  }
  const schedules = await vtexAdmin('GET', `/api/scheduler/${WORKSPACE}/${APP}`)
  // The feed tick and the customer changes tick.
  expect(schedules).toHaveLength(2)
  // Faults: duplicates and reordering in the feed, 429s on the feed; hook notifications
  // dropped; 429s and 5xx on the OMS and on VBase; ERP hand-offs failing and slow.
  await simCall('PUT', '/_sim/broadcast/faults', { duplicateRate: 0.1, reorder: true, rate429: 0.05, retryAfterSeconds: 1, hookDropRate: 0.05, seed: 11 })
  await simCall('PUT', '/_sim/faults', { rate429: 0.03, rate5xx: 0.01, retryAfterSeconds: 1, oms: true, vbase: true, seed: 12 })
  await simCall('PUT', '/_sim/erp/orders/config', {
    graphqlUrls: REPLICAS.map((r) => `http://127.0.0.1:${r.port}/${ACCOUNT}/${WORKSPACE}/_v/graphql`),
    seed: 5,
    startHandlingDelayMs: 100,
    invoiceDelayMs: 100,
    trackingDelayMs: 100,
    partialInvoiceRate: 0.3,
    cancelRate: 0.1,
    trackingRate: 0.5,
    // A goodwill discount before invoicing, through changeOrder (order modifications v2).
    changeRate: 0.1,
    actorConcurrency: 128,
    enabled: true,
    failRate: 0.03,
    latencyMs: 50,
  })
}, 180000)

afterAll(async () => {
  for (const r of replicas) await r?.stop()
  await sim?.stop()
  if (!process.env.PONTE_E2E_KEEP) rmSync(work, { recursive: true, force: true })
  else console.log(`e2e files kept in ${work}`)
})

test('the hook route answers VTEX ping only with the shared secret', async () => {
  const hook = (secret: string | null, body: unknown) =>
    fetch(`http://127.0.0.1:${REPLICAS[0].port}/${ACCOUNT}/${WORKSPACE}/_v/ponte/orders/hook`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-vtex-account': ACCOUNT,
        'x-vtex-workspace': WORKSPACE,
        'x-vtex-credential': 'e2e',
        'x-colossus-route-id': 'orderHook',
        ...(secret === null ? {} : { 'x-ponte-hook-secret': secret }),
      },
      body: JSON.stringify(body),
    })
  expect((await hook(SECRET, { hookConfig: 'ping' })).status).toBe(200)
  const wrong = await hook('not-the-secret-at-all', { hookConfig: 'ping' })
  expect(wrong.status).toBe(401)
  expect(((await wrong.json()) as { code: string }).code).toBe('HOOK_SECRET_INVALID')
  const malformed = await hook(SECRET, { OrderId: 'v1-01' })
  expect(malformed.status).toBe(400)
  expect(((await malformed.json()) as { code: string }).code).toMatch(/^HOOK_/)
})

/** Orders handed off whose final OMS status the ERP did not hear exactly once, last. */
async function untoldFinals(): Promise<string[]> {
  const finals = new Map<string, string>()
  for (const status of ['invoiced', 'canceled']) {
    const listed = await simCall<{ orderIds: string[] }>('GET', `/_sim/oms/orders?an=${ACCOUNT}&status=${status}`)
    for (const id of listed.orderIds) finals.set(id, status)
  }
  const { byOrder } = (await erpStats(true)) as unknown as { byOrder: Record<string, { statusNotifications: string[]; lastStatus: string | null }> }
  return Object.entries(byOrder)
    .filter(([id, o]) => o.lastStatus !== finals.get(id) || o.statusNotifications.filter((s) => s === finals.get(id)).length !== 1)
    .map(([id, o]) => `${id}: OMS ${finals.get(id)}, ERP heard ${o.statusNotifications.join('>')}`)
}

test(`${ORDERS} orders through two replicas reach the ERP exactly once and end invoiced or canceled`, async () => {
  const started = Date.now()
  const run = await simCall<{ runId: string }>('POST', '/_sim/oms/shoppers', {
    account: ACCOUNT,
    orders: ORDERS,
    perSecond: 50,
    seed: 7,
    customerCancelRate: 0.03,
    itemsMax: 4,
  })
  expect(run.runId).toBeTruthy()

  // One crash of a replica (SIGKILL to its process group: no shutdown of any kind) once a third
  // of the orders are with the ERP; it is started again, and the other replica carries on.
  let restarted = false
  const deadline = Date.now() + Number(process.env.PONTE_E2E_ORDERS_TIMEOUT_MS ?? 20 * 60 * 1000)
  let oms = await omsStats()
  let erp = await erpStats()
  for (;;) {
    oms = await omsStats()
    erp = await erpStats()
    const terminal = (oms.byStatus.invoiced ?? 0) + (oms.byStatus.canceled ?? 0)
    if (!restarted && erp.handoffs.orders >= ORDERS / 3) {
      await replicas[0]?.kill()
      replicas[0] = await launch(0)
      restarted = true
    }
    // Done when the OMS and the ERP's actor are, and the ERP heard each order's final status
    // (the last notices trail the OMS by a delivery; one never heard fails at the deadline).
    const untold = restarted && oms.ordersCreated >= ORDERS && terminal === ORDERS && erp.actor.finished >= erp.actor.planned ? await untoldFinals() : null
    if (untold !== null && untold.length === 0) break
    if (Date.now() > deadline) {
      throw new Error(`not done in time: oms ${JSON.stringify(oms.byStatus)}, erp ${JSON.stringify({ handoffs: erp.handoffs, actor: erp.actor })}, final status not heard: ${JSON.stringify(untold?.slice(0, 10))}`)
    }
    await sleep(1000)
  }
  const seconds = (Date.now() - started) / 1000
  erp = await erpStats(true)
  const feed = await simCall<Record<string, Record<string, number>>>('GET', '/_sim/broadcast/stats')
  const faults = await simCall<{ faults: { '429': number; '5xx': number } }>('GET', '/_sim/stats')
  console.log(
    JSON.stringify(
      { orders: ORDERS, seconds, oms: { byStatus: oms.byStatus, accepted: oms.accepted, refused: oms.refused, customerCancellations: oms.customerCancellations, changesV2: oms.changesV2 }, erp: { ...erp, byOrder: undefined }, broadcast: feed, omsFaults: faults.faults },
      null,
      1
    )
  )

  // Every order ended invoiced or canceled.
  expect(oms.orders).toBe(ORDERS)
  expect((oms.byStatus.invoiced ?? 0) + (oms.byStatus.canceled ?? 0)).toBe(ORDERS)
  // Zero lost: every order not canceled by its shopper inside the cancellation window reached
  // ready-for-handling, a Stop status only the ERP moves on, so it was handed off and acted on.
  expect(erp.handoffs.orders).toBe(ORDERS - oms.customerCancellations)
  // Zero duplicate ERP deliveries, hand-offs and status notifications alike.
  expect(erp.handoffs.duplicates).toBe(0)
  expect(erp.handoffs.received).toBe(erp.handoffs.orders)
  expect(erp.statusNotifications.duplicates).toBe(0)
  expect(erp.statusNotifications.withoutHandoff).toBe(0)
  // Every delivery id as the contract forms it, the header equal to the body's.
  expect(erp.deliveryIdMismatches).toBe(0)
  // No status notification lost at the end of the line: every order handed off was told its
  // final status (invoiced or canceled), once, as the last thing it heard.
  expect(await untoldFinals()).toEqual([])
  // Zero refused OMS calls: Ponte checked every action first, against a fresh view.
  expect(oms.refused).toBe(0)
  expect(erp.actions.omsRefused).toBe(0)
  // The ERP's plans all went through, and the faults did happen.
  expect(erp.actions.refusedByPonte).toEqual({})
  expect(erp.actor.finished).toBe(erp.handoffs.orders)
  expect(restarted).toBe(true)
  // Every channel delivered (each change reached Ponte up to three times, plus injected
  // duplicates and redeliveries).
  const channels = feed as unknown as { feed: { committed: number }; hook: { ok: number }; events: { ok: number } }
  expect(channels.feed.committed).toBeGreaterThan(0)
  // The feed was read by the ticks vtex.scheduler sent, as configureOrderIntake asked.
  const scheduled = await simCall<{ fired: number; ok: number; failed: number }>('GET', '/_sim/scheduler/stats')
  expect(scheduled.ok).toBeGreaterThan(0)
  expect(channels.hook.ok).toBeGreaterThan(0)
  expect(channels.events.ok).toBeGreaterThan(0)
  // Changes went through order modifications v2, each exactly once (v2 has no idempotency key:
  // Ponte's marker and history lookup are what keep a retried changeOrder from applying twice).
  const changes = erp.actions.byAction.changeOrder?.succeeded ?? 0
  expect(changes).toBeGreaterThan(0)
  expect(oms.changesV2.applied).toBe(changes)
  expect(oms.changesV2.refused).toBe(0)
  expect(oms.calls['POST /api/oms/pvt/orders/{orderId}/changes']?.accepted ?? 0).toBe(0)
  // The OMS and VBase did answer 429s (with Retry-After) and 5xx, and they were outlasted.
  expect(faults.faults['429']).toBeGreaterThan(0)
  expect(faults.faults['5xx']).toBeGreaterThan(0)
}, 25 * 60 * 1000)

test('the sweep hands off every order that no channel delivered (20 orders lost on hook, feed and IO events)', async () => {
  const LOST = 20
  const before = await erpStats()
  // The safety net every 3 s, over the last 2 minutes of orders (the run above is older).
  await putAppSettings(sim.url, ACCOUNT, WORKSPACE, APP, {
    ...SETTINGS,
    ordersTuning: { sweepIntervalMs: 3000, sweepGraceMs: 0, sweepWindowMs: 120000, sweepSliceMs: 120000 },
  })
  await simCall('PUT', '/_sim/broadcast/faults', { loseOrders: LOST, seed: 13 })
  await simCall('PUT', '/_sim/faults', { rate429: 0, oms: true, seed: 14 })
  const started = Date.now()
  await simCall('POST', '/_sim/oms/shoppers', { account: ACCOUNT, orders: LOST, perSecond: 20, seed: 21, customerCancelRate: 0, itemsMax: 2 })
  let lost = { orders: 0, orderIds: [] as string[] }
  const deadline = Date.now() + 180000
  let found: string[] = []
  for (;;) {
    lost = (await simCall<{ lost: { orders: number; orderIds: string[] } }>('GET', '/_sim/broadcast/stats')).lost
    found = []
    for (const id of lost.orderIds) {
      const r = await fetch(`${sim.url}/_sim/erp/orders/${encodeURIComponent(id)}`)
      if (r.status === 200) found.push(id)
    }
    if (lost.orders === LOST && found.length === LOST) break
    if (Date.now() > deadline) throw new Error(`sweep found ${found.length} of ${lost.orders} lost orders in time`)
    await sleep(1000)
  }
  const seconds = (Date.now() - started) / 1000
  const erp = await erpStats()
  console.log(JSON.stringify({ sweep: { lost: lost.orders, handedOff: found.length, seconds, erp: { handoffs: erp.handoffs, fenced: erp.fenced } } }))
  // Every lost order reached the ERP, once, through the sweep alone.
  expect(lost.orders).toBe(LOST)
  expect(found.sort()).toEqual([...lost.orderIds].sort())
  expect(erp.handoffs.orders - before.handoffs.orders).toBe(LOST)
  expect(erp.handoffs.duplicates).toBe(0)
  expect(erp.handoffs.received).toBe(erp.handoffs.orders)
}, 5 * 60 * 1000)

interface HeldEntry {
  skuId: number
  warehouseId: string
  entry: { quantity: number; dateUtcOnBalanceSystem: string }
}

test("after an invoice, the ERP's current counts of the order's SKUs reach VTEX (stockRefreshAfterInvoice)", async () => {
  const ORDERS_HERE = 12
  await putAppSettings(sim.url, ACCOUNT, WORKSPACE, APP, { ...SETTINGS, stockRefreshAfterInvoice: true })
  // Each replica reads the settings again within SETTINGS_TTL_MS (10 s, orders/settings.ts).
  const settled = Date.now() + 11000
  // The store's set-up: the warehouse the ERP counts in, behind a dock.
  await vtexAdmin('POST', '/api/logistics/pvt/configuration/docks', { id: 'dock-1', name: 'Main dock', salesChannels: ['1'], freightTableIds: [], dockTimeFake: '00:00:00', timeFakeOverhead: '00:00:00' })
  await vtexAdmin('POST', '/api/logistics/pvt/configuration/warehouses', { id: 'wh-sp', name: 'wh-sp', warehouseDocks: [{ dockId: 'dock-1', time: '1.00:00:00', cost: 0 }], isActive: true })
  await simCall('PUT', '/_sim/broadcast/faults', {})
  await simCall('PUT', '/_sim/faults', { rate429: 0, oms: true, seed: 15 })
  await simCall('DELETE', '/_sim/erp/stock/count-requests')
  // SKUs the catalog knows by refId (the shoppers' orders name SKUs no catalog holds), and
  // orders for them.
  await simCall('POST', `/_sim/accounts/${ACCOUNT}/catalog/sample-skus?seed=3&skus=8`)
  const skus = (await simCall<{ skus: Array<{ id: number; refId?: string | null }> }>('GET', `/_sim/accounts/${ACCOUNT}/catalog`)).skus.filter((s) => s.refId)
  expect(skus.length).toBeGreaterThan(3)
  const old = new Set((await simCall<{ orderIds: string[] }>('GET', `/_sim/oms/orders?an=${ACCOUNT}`)).orderIds)
  await sleep(Math.max(0, settled - Date.now()))
  for (let i = 0; i < ORDERS_HERE; i++) {
    const lines = [skus[i % skus.length], skus[(i + 1) % skus.length]]
    await simCall('POST', '/_sim/oms/orders', { account: ACCOUNT, items: lines.map((s) => ({ id: String(s.id), refId: s.refId, quantity: 1, price: 1990 })) })
  }

  type Asked = { requests: Array<{ skus: Array<{ refId?: string }>; counts: Array<{ refId?: string; warehouse: string; quantity: number }> }> }
  const deadline = Date.now() + 180000
  let invoiced: string[] = []
  let missing: string[] = []
  for (;;) {
    const all = (await simCall<{ orderIds: string[] }>('GET', `/_sim/oms/orders?an=${ACCOUNT}`)).orderIds.filter((id) => !old.has(id))
    const done = new Set((await simCall<{ orderIds: string[] }>('GET', `/_sim/oms/orders?an=${ACCOUNT}&status=invoiced`)).orderIds)
    const canceled = new Set((await simCall<{ orderIds: string[] }>('GET', `/_sim/oms/orders?an=${ACCOUNT}&status=canceled`)).orderIds)
    invoiced = all.filter((id) => done.has(id))
    // Every invoiced order's SKUs were asked for, and VTEX holds the ERP's answer for each.
    const asked = await simCall<Asked>('GET', '/_sim/erp/stock/count-requests')
    const answered = new Map(asked.requests.flatMap((r) => r.counts.map((c) => [c.refId ?? '', c.quantity] as const)))
    const held = new Map((await simCall<HeldEntry[]>('GET', `/_sim/logistics/inventory?an=${ACCOUNT}`)).filter((e) => e.warehouseId === 'wh-sp').map((e) => [e.skuId, e.entry.quantity]))
    missing = []
    for (const id of invoiced) {
      const order = (await vtexAdmin('GET', `/api/oms/pvt/orders/${id}`)) as { items: Array<{ id: string; refId: string }> }
      for (const item of order.items) {
        if (!answered.has(item.refId)) missing.push(`${id}: ${item.refId} not asked`)
        else if (held.get(Number(item.id)) !== answered.get(item.refId)) missing.push(`${id}: ${item.refId} holds ${held.get(Number(item.id))}, ERP ${answered.get(item.refId)}`)
      }
    }
    if (all.length === ORDERS_HERE && all.every((id) => done.has(id) || canceled.has(id)) && invoiced.length > 0 && missing.length === 0) break
    if (Date.now() > deadline) throw new Error(`refresh incomplete: ${invoiced.length} invoiced; ${missing.slice(0, 5).join('; ')}`)
    await sleep(1000)
  }
  expect(invoiced.length).toBeGreaterThan(0)
  expect(missing).toEqual([])
}, 4 * 60 * 1000)
