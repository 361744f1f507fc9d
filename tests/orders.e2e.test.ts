/**
 * Orders end to end: ponte-sim (OMS with its workflow and timers, Feed v3, Hook, IO events, its
 * IO router in front of the replicas, VBase, app settings, and its ERP) and TWO replicas of the
 * service under the real @vtex/api runtime, all over HTTP.
 *
 * Shoppers place PONTE_E2E_ORDERS orders (default 1,000, the run `make test` makes; fewer for a
 * quick look); VTEX tells Ponte of every change three times over (hook, feed tick, IO event). Faults,
 * each counted and asserted to have happened: feed duplicates, reordering and 429s; dropped
 * hooks; 429s and 5xx from the OMS and VBase; ERP 503s, latency and answers slower than Ponte's
 * ERP timeout. The replicas' clocks are 2 s ahead and 2 s behind; each replica SIGKILLs itself
 * once at each risk window (after a claim, after the ERP POST before it is marked done, during a
 * record write: the test-only PONTE_FAULT_EXIT_AT, node/lib/faults.ts; the test starts it again),
 * and one replica is SIGKILLed from outside midway and started again. The sim's ERP acts
 * back through Ponte's GraphQL (start handling, invoices, some partial, tracking, changes, some
 * cancellations). Asserted from the sim's and the ERP's own records: every order ends invoiced or
 * canceled, none lost, no duplicate ERP delivery, no call the OMS refused, and every status
 * transition the OMS made on the intake filter reached the ERP exactly once by the contract's rule
 * (docs/erp-contract.yaml: after the hand-off, one notice per transition with its own time).
 *
 * `make soak` (PONTE_E2E_SOAK=1): 10,000 orders, a third replica, and one replica SIGKILLed from
 * outside every PONTE_E2E_KILL_EVERY_S seconds (default 60), in turn.
 */
import { existsSync, readFileSync } from 'fs'
import { join } from 'path'

import type { Running, Sim } from './support/processes'
import { REPO, sleep, startService, startSim, tearDown, workDir } from './support/processes'
import { accountVtex, graphql, routeFetch, simAppKey, simJson } from './support/http'
import { expectHandedOffOnce } from './support/orders'
import { putAppSettings } from './support/vtexid'

const ACCOUNT = 'ponte'
const WORKSPACE = 'master'
const APP = 'ponte.ponte'
const SOAK = Boolean(process.env.PONTE_E2E_SOAK)
const ORDERS = Number(process.env.PONTE_E2E_ORDERS ?? (SOAK ? 10000 : 1000))
const KILL_EVERY_MS = SOAK ? Number(process.env.PONTE_E2E_KILL_EVERY_S ?? 60) * 1000 : 0
const SECRET = 'e2e-hook-secret-0123456789'
const TICK_SECRET = 'e2e-tick-secret-9876543210'
// Node's fetch refuses some ports as unsafe (5060, SIP): these work for every client. Each
// replica's clock is skewed (PONTE_CLOCK_SKEW_MS) and each crash point armed on one of them
// (PONTE_FAULT_EXIT_AT, point:count; it fires once per run: PONTE_FAULT_ONCE_FILE).
// PONTE_E2E_PORT_SHIFT moves every replica's ports (a soak beside another run of this suite).
const SHIFT = Number(process.env.PONTE_E2E_PORT_SHIFT ?? 0)
const REPLICAS = [
  { port: 5150, upPort: 5100, skewMs: 2000, crashAt: 'after-claim:20,during-record-write:400' },
  { port: 5170, upPort: 5110, skewMs: -2000, crashAt: 'after-erp-post:60' },
  ...(SOAK ? [{ port: 5190, upPort: 5120, skewMs: 0, crashAt: '' }] : []),
].map((r) => ({ ...r, port: r.port + SHIFT, upPort: r.upPort + SHIFT }))
const CRASH_POINTS = ['after-claim', 'after-erp-post', 'during-record-write']
/** Statuses VTEX is asked to tell Ponte about (feed and hook filters). */
const STATUSES = ['ready-for-handling', 'handling', 'cancellation-requested', 'invoice', 'invoiced', 'cancel', 'canceled']

const { work, dataDir } = workDir('orders')

let sim: Sim
const replicas: Array<Running | undefined> = REPLICAS.map(() => undefined)
const crashFile = join(work, 'crash-points.txt')

const launch = (i: number) => {
  const { port, upPort, skewMs, crashAt } = REPLICAS[i]
  const env = { PONTE_CLOCK_SKEW_MS: String(skewMs), PONTE_FAULT_EXIT_AT: crashAt, PONTE_FAULT_ONCE_FILE: crashFile }
  return startService({ simUrl: sim.url, account: ACCOUNT, workspace: WORKSPACE, appDir: join(work, `app-${i}`), port, upPort, env })
}
/** Replicas whose process died (a crash point fired: the runtime does not fork a linked app's worker again) are started again; how many. */
async function revive(): Promise<number> {
  let revived = 0
  for (let i = 0; i < replicas.length; i++) {
    const child = replicas[i]?.child
    if (child && (child.exitCode !== null || child.signalCode !== null)) {
      await replicas[i]?.kill()
      replicas[i] = await launch(i)
      revived += 1
    }
  }
  return revived
}
/** The crash points that fired (each replica's worker appends its point before its SIGKILL). */
const crashed = () => (existsSync(crashFile) ? readFileSync(crashFile, 'utf8').split('\n').filter(Boolean) : [])

const SETTINGS = {
  hookSecret: SECRET,
  tickSecret: TICK_SECRET,
  erpEndpoint: 'https://erp.ponte-sim.test/erp',
  // IO events carry every status of every order: Ponte keeps only these.
  intakeStatuses: STATUSES,
  // The safety net is off for the 1,000-order run (its own test below turns it on). The ERP
  // timeout is 3 s, so the ERP's slow answers (4 s) outlast it; the replicas' clocks are up to
  // 4 s apart.
  ordersTuning: { sweepIntervalMs: 0, erpTimeoutMs: 3000, clockSkewMs: 4000 },
}

const simCall = <T>(method: string, path: string, body?: unknown) => simJson<T>(sim.url, method, path, body)

/** A call to VTEX at its real host, through the simulator as proxy, with an admin's app key. */
function vtexAdmin(method: string, path: string, body?: unknown) {
  return accountVtex(sim.url, ACCOUNT, method, path, body)
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
  const reply = await graphql(ACCOUNT, WORKSPACE, { query, variables }, { 'x-vtex-credential': 'e2e-app-token', ...simAppKey(ACCOUNT) }, REPLICAS[0].port)
  if (!reply.data || reply.errors) throw new Error(`GraphQL: ${reply.status} ${JSON.stringify(reply.errors)}`)
  return reply.data as T
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
    // An ERP keeps trying an action Ponte answered "try again" (VBASE_UNAVAILABLE,
    // OMS_UNAVAILABLE): ten attempts (about 26 s) in the CI run, the sim's most (about 8 min)
    // in the soak, whose outside SIGKILLs and size keep the simulated VBase busier for longer.
    ...(SOAK ? { maxAttempts: 100 } : {}),
    enabled: true,
    failRate: 0.03,
    latencyMs: 50,
    // Answered 4 s after recording: past Ponte's 3 s ERP timeout (ordersTuning.erpTimeoutMs).
    slowRate: 0.01,
    slowMs: 4000,
  })
}, 180000)

afterAll(async () => {
  await tearDown(work, replicas, sim)
})

test('the hook route answers VTEX ping only with the shared secret', async () => {
  const hook = (secret: string | null, body: unknown) =>
    routeFetch({ port: REPLICAS[0].port, account: ACCOUNT, workspace: WORKSPACE }, 'orderHook', '/_v/ponte/orders/hook', {
      credential: 'e2e',
      headers: secret === null ? {} : { 'x-ponte-hook-secret': secret },
      body,
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

interface Move {
  status: string
  at: string
}
interface ErpOrder {
  handoff: { status: string; changedAt: string | null } | null
  notices: Array<{ status: string; changedAt: string | null; count: number }>
}

/** A date as `…T…ss.fffffffffZ` (VTEX writes 7 digits, Ponte's core 9), so dates compare as text. */
const canon = (at: string | null) => {
  const m = /^(.{19})(?:\.(\d+))?Z$/.exec(at ?? '')
  return m ? `${m[1]}.${(m[2] ?? '').padEnd(9, '0')}Z` : `${at}`
}

/**
 * Every status transition the OMS made against what the ERP received, per order, by the ERP
 * contract's rule (docs/erp-contract.yaml, POST /orders): the hand-off tells the transition current
 * at its `changedAt` (and those before it); every transition on the intake filter dated after it
 * reaches the ERP as exactly one notice carrying its own status and time, whatever order they
 * arrive in. The OMS side is its own log (`/_sim/oms/transitions`), the ERP side its receipts.
 */
async function transitionCount() {
  const { orders: log } = await simCall<{ orders: Record<string, Move[]> }>('GET', `/_sim/oms/transitions?an=${ACCOUNT}`)
  const { byOrder } = (await erpStats(true)) as unknown as { byOrder: Record<string, ErpOrder> }
  const wrong: string[] = []
  const counts = { handedOff: 0, transitionsAfterHandoff: 0, notices: 0, toldByHandoff: 0 }
  for (const [id, erp] of Object.entries(byOrder)) {
    const moves = (log[id] ?? []).map((m) => `${m.status}@${canon(m.at)}`)
    const heard = erp.notices.map((n) => `${n.status}@${canon(n.changedAt)}`).sort()
    if (!erp.handoff) {
      if (heard.length > 0) wrong.push(`${id}: notices without a hand-off: ${heard.join(' ')}`)
      continue
    }
    counts.handedOff += 1
    const base = canon(erp.handoff.changedAt)
    const handedOff = `${erp.handoff.status}@${base}`
    if (!moves.includes(handedOff)) wrong.push(`${id}: the hand-off ${handedOff} is no transition of ${moves.join(' ')}`)
    const onFilter = (log[id] ?? []).filter((m) => STATUSES.includes(m.status)).map((m) => `${m.status}@${canon(m.at)}`)
    const owed = onFilter.filter((m) => m.slice(m.indexOf('@') + 1) > base).sort()
    const repeated = erp.notices.filter((n) => n.count !== 1).map((n) => `${n.status}@${canon(n.changedAt)} ×${n.count}`)
    if (JSON.stringify(owed) !== JSON.stringify(heard) || repeated.length > 0) {
      wrong.push(`${id}: OMS after the hand-off ${owed.join(' ')}; ERP heard ${heard.join(' ')} ${repeated.join(' ')}`)
    }
    counts.transitionsAfterHandoff += owed.length
    counts.notices += heard.length
    counts.toldByHandoff += onFilter.length - owed.length
  }
  return { wrong, counts }
}

test(`${ORDERS} orders through ${REPLICAS.length} replicas reach the ERP exactly once and end invoiced or canceled`, async () => {
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

  // A crash of a replica from outside (SIGKILL to its process group: no shutdown of any kind)
  // once a third of the orders are with the ERP (the soak: one every KILL_EVERY_MS, in turn); it
  // is started again, and the other replicas carry on.
  let kills = 0
  let revived = 0
  let nextKill = KILL_EVERY_MS > 0 ? Date.now() + KILL_EVERY_MS : Infinity
  const deadline = Date.now() + Number(process.env.PONTE_E2E_ORDERS_TIMEOUT_MS ?? (SOAK ? 6 * 3600 : 20 * 60) * 1000)
  let oms = await omsStats()
  let erp = await erpStats()
  let count: Awaited<ReturnType<typeof transitionCount>> | null = null
  for (;;) {
    oms = await omsStats()
    erp = await erpStats()
    const terminal = (oms.byStatus.invoiced ?? 0) + (oms.byStatus.canceled ?? 0)
    revived += await revive()
    if ((kills === 0 && erp.handoffs.orders >= ORDERS / 3) || Date.now() >= nextKill) {
      const i = kills % REPLICAS.length
      // A replica that crashed itself since revive() looked is started again here: count it.
      const child = replicas[i]?.child
      if (child && (child.exitCode !== null || child.signalCode !== null)) revived += 1
      await replicas[i]?.kill()
      replicas[i] = await launch(i)
      kills += 1
      nextKill = KILL_EVERY_MS > 0 ? Date.now() + KILL_EVERY_MS : Infinity
    }
    // Done when the OMS and the ERP's actor are, and every transition reached the ERP (the last
    // notices trail the OMS by a delivery; one never heard fails at the deadline).
    const settled = kills > 0 && oms.ordersCreated >= ORDERS && terminal === ORDERS && erp.actor.finished >= erp.actor.planned
    count = settled ? await transitionCount() : null
    if (count !== null && count.wrong.length === 0) break
    if (Date.now() > deadline) {
      throw new Error(`not done in time: oms ${JSON.stringify(oms.byStatus)}, erp ${JSON.stringify({ handoffs: erp.handoffs, actor: erp.actor })}, transitions not told exactly once: ${JSON.stringify(count?.wrong.slice(0, 10))}`)
    }
    await sleep(SOAK ? 5000 : 1000)
  }
  const seconds = (Date.now() - started) / 1000
  // A crash point may fire after the loop's last look (the other replica finishes the work):
  // that replica is started again too.
  revived += await revive()
  erp = await erpStats(true)
  const feed = await simCall<Record<string, Record<string, number>>>('GET', '/_sim/broadcast/stats')
  const faults = await simCall<{ faults: { '429': number; '5xx': number }; faultsByArea: Record<string, { '429': number; '5xx': number }> }>('GET', '/_sim/stats')
  const erpFaults = erp as unknown as { injectedFailures: number; slowAnswers: number }
  console.log(
    JSON.stringify(
      {
        orders: ORDERS,
        seconds,
        transitions: count?.counts,
        crashes: { points: crashed(), revived, fromOutside: kills },
        oms: { byStatus: oms.byStatus, accepted: oms.accepted, refused: oms.refused, customerCancellations: oms.customerCancellations, changesV2: oms.changesV2 },
        erp: { ...erp, byOrder: undefined },
        broadcast: feed,
        faults: faults.faultsByArea,
      },
      null,
      1
    )
  )
  // Every transition the OMS made reached the ERP exactly once, by the contract's rule.
  expect(count?.wrong).toEqual([])
  expect(count?.counts.handedOff).toBe(erp.handoffs.orders)
  expect(count?.counts.notices).toBe(erp.statusNotifications.distinct)

  // Every order ended invoiced or canceled.
  expect(oms.orders).toBe(ORDERS)
  expect((oms.byStatus.invoiced ?? 0) + (oms.byStatus.canceled ?? 0)).toBe(ORDERS)
  // Zero lost: every order not canceled by its shopper inside the cancellation window reached
  // ready-for-handling, a Stop status only the ERP moves on, so it was handed off and acted on.
  // Zero duplicate ERP deliveries, hand-offs and status notifications alike.
  expectHandedOffOnce(erp, ORDERS - oms.customerCancellations)
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
  expect(kills).toBeGreaterThan(0)
  // The replicas crashed themselves at each risk window once, and were started again.
  expect([...crashed()].sort()).toEqual([...CRASH_POINTS].sort())
  expect(revived).toBe(CRASH_POINTS.length)
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
  // Every fault class injected did happen, and was outlasted: the OMS and VBase answered 429s
  // (with Retry-After) and 5xx; the feed duplicated messages and answered 429s; hooks were
  // dropped; the ERP answered 503s and, recording first, answered past Ponte's ERP timeout.
  for (const area of ['oms', 'vbase']) {
    expect(faults.faultsByArea[area]?.['429']).toBeGreaterThan(0)
    expect(faults.faultsByArea[area]?.['5xx']).toBeGreaterThan(0)
  }
  const injected = feed as unknown as { injected: { feedDuplicates: number; feed429: number }; hook: { dropped: number } }
  expect(injected.injected.feedDuplicates).toBeGreaterThan(0)
  expect(injected.injected.feed429).toBeGreaterThan(0)
  expect(injected.hook.dropped).toBeGreaterThan(0)
  expect(erpFaults.injectedFailures).toBeGreaterThan(0)
  expect(erpFaults.slowAnswers).toBeGreaterThan(0)
}, (SOAK ? 7 * 3600 : 25 * 60) * 1000)

test('the sweep hands off every order that no channel delivered (20 orders lost on hook, feed and IO events)', async () => {
  const LOST = 20
  const before = await erpStats()
  // The safety net every 3 s, over the last 2 minutes of orders (the run above is older).
  await putAppSettings(sim.url, ACCOUNT, WORKSPACE, APP, {
    ...SETTINGS,
    ordersTuning: { ...SETTINGS.ordersTuning, sweepIntervalMs: 3000, sweepGraceMs: 0, sweepWindowMs: 120000, sweepSliceMs: 120000 },
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
