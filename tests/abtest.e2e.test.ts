/**
 * A/B testing: two workspaces of one account run Ponte side by side (master and a production
 * test workspace), each with its own replica and its own VBase, in front of one OMS, one Feed
 * v3 and Hook and one ERP. ponte-sim's IO router splits the account's bare host between them.
 * Only the workspace named by the backgroundWorkspace setting takes orders in and writes; the
 * other serves reads. Asserted from the sim's and the ERP's records: every order reaches the ERP
 * exactly once, and both workspaces answer reads correctly.
 */
import { readFileSync } from 'fs'
import { join } from 'path'

import type { Running, Sim } from './support/processes'
import { REPO, sleep, startService, startSim, tearDown, workDir } from './support/processes'
import type { GraphQLReply } from './support/http'
import { graphql, routeFetch, simAppKey, simJson } from './support/http'
import { expectHandedOffOnce } from './support/orders'
import { putAppSettings } from './support/vtexid'

const ACCOUNT = 'ponte'
const APP = 'ponte.ponte'
const ORDERS = Number(process.env.PONTE_E2E_AB_ORDERS ?? 150)
const STATUSES = ['ready-for-handling', 'handling', 'cancellation-requested', 'invoice', 'invoiced', 'cancel', 'canceled']
const SETTINGS = {
  hookSecret: 'e2e-ab-hook-secret-0123456789',
  tickSecret: 'e2e-ab-tick-secret-9876543210',
  erpEndpoint: 'https://erp.ponte-sim.test/erp',
  intakeStatuses: STATUSES,
  backgroundWorkspace: 'master',
}
const WORKSPACES = [
  { workspace: 'master', port: 5050, upPort: 5000 },
  // Not 5060: fetch refuses it (the Fetch standard's "bad ports", SIP).
  { workspace: 'abtest', port: 5080, upPort: 5010 },
]

const { work, dataDir } = workDir('abtest')

let sim: Sim
const replicas: Running[] = []

const simCall = <T>(method: string, path: string, body?: unknown) => simJson<T>(sim.url, method, path, body)

/** GraphQL on one workspace's replica with an admin's app key. */
function graphqlOn(i: number, query: string, variables: Record<string, unknown> = {}): Promise<GraphQLReply> {
  const { workspace, port } = WORKSPACES[i]
  return graphql(ACCOUNT, workspace, { query, variables }, { 'x-vtex-credential': 'e2e-app-token', ...simAppKey(ACCOUNT) }, port)
}

beforeAll(async () => {
  sim = await startSim(dataDir)
  for (const w of WORKSPACES) await putAppSettings(sim.url, ACCOUNT, w.workspace, APP, SETTINGS)
  await simCall('PUT', '/_sim/oms/config', { autoStepMs: 50, cancellationWindowSeconds: 2, startHandlingConfirmMs: 100, cancelConfirmMs: 100 })
  for (const w of WORKSPACES) {
    replicas.push(await startService({ simUrl: sim.url, account: ACCOUNT, workspace: w.workspace, appDir: join(work, `app-${w.workspace}`), port: w.port, upPort: w.upPort }))
  }
  await simCall('PUT', '/_sim/io', {
    account: ACCOUNT,
    workspaces: WORKSPACES.map((w) => ({ workspace: w.workspace, replicas: [`http://127.0.0.1:${w.port}`], weight: 1 })),
    serviceJson: JSON.parse(readFileSync(join(REPO, 'node', 'service.json'), 'utf8')),
    events: true,
  })
  // The ERP calls the workspace that writes.
  await simCall('PUT', '/_sim/erp/orders/config', {
    graphqlUrls: [`http://127.0.0.1:${WORKSPACES[0].port}/${ACCOUNT}/master/_v/graphql`],
    seed: 9,
    startHandlingDelayMs: 100,
    invoiceDelayMs: 100,
    partialInvoiceRate: 0.3,
    cancelRate: 0.1,
    trackingRate: 0.5,
    actorConcurrency: 64,
    enabled: true,
  })
}, 180000)

afterAll(async () => {
  await tearDown(work, replicas, sim)
})

test('exactly one workspace owns background work, and says so', async () => {
  const roles = await Promise.all([0, 1].map((i) => graphqlOn(i, '{ workspaceRole { workspace backgroundWorkspace ownsBackgroundWork } }')))
  expect(roles.map((r) => r.data?.workspaceRole)).toEqual([
    { workspace: 'master', backgroundWorkspace: 'master', ownsBackgroundWork: true },
    { workspace: 'abtest', backgroundWorkspace: 'master', ownsBackgroundWork: false },
  ])
  // The test workspace may not point VTEX's intake at itself, nor write anything.
  const configure = 'mutation { configureOrderIntake(tickExpression: "* * * ? * *") { hookUrl ok } }'
  const refused = await graphqlOn(1, configure)
  expect(refused.errors?.[0].extensions?.code).toBe('NOT_BACKGROUND_WORKSPACE')
  const cancel = await graphqlOn(1, 'mutation { cancelOrder(orderId: "v1-01") { orderId } }')
  expect(cancel.errors?.[0].extensions?.code).toBe('NOT_BACKGROUND_WORKSPACE')
  // master sets it up, on its own host (the bare host is split between the workspaces).
  const configured = await graphqlOn(0, configure)
  expect(configured.errors).toBeUndefined()
  expect(configured.data?.configureOrderIntake).toEqual({ hookUrl: `https://master--${ACCOUNT}.myvtex.com/_v/ponte/orders/hook`, ok: true })
  // A hook call that reaches the test workspace anyway (the split bare host) is refused, so
  // VTEX sends it again.
  const misrouted = await routeFetch({ port: WORKSPACES[1].port, account: ACCOUNT, workspace: 'abtest' }, 'orderHook', '/_v/ponte/orders/hook', {
    credential: 'e2e',
    headers: { 'x-ponte-hook-secret': SETTINGS.hookSecret },
    body: { Domain: 'Fulfillment', OrderId: 'v1-01', State: 'ready-for-handling', LastState: 'window-to-cancel', LastChange: '2026-01-01T00:00:00Z', CurrentChange: '2026-01-01T00:00:01Z', Origin: { Account: ACCOUNT, Key: 'k' } },
  })
  expect(misrouted.status).toBe(503)
  expect(((await misrouted.json()) as { code: string }).code).toBe('NOT_BACKGROUND_WORKSPACE')
})

test(`${ORDERS} orders during an A/B test reach the ERP exactly once; both workspaces answer reads`, async () => {
  await simCall('POST', '/_sim/oms/shoppers', { account: ACCOUNT, orders: ORDERS, perSecond: 40, seed: 3, customerCancelRate: 0.05, itemsMax: 3 })
  const deadline = Date.now() + 10 * 60 * 1000
  let oms: { orders: number; ordersCreated: number; byStatus: Record<string, number>; refused: number; customerCancellations: number }
  let erp: { handoffs: { received: number; orders: number; duplicates: number }; statusNotifications: { duplicates: number; withoutHandoff: number }; actions: { refusedByPonte: Record<string, number>; omsRefused: number }; actor: { planned: number; finished: number } }
  for (;;) {
    oms = await simCall('GET', `/_sim/oms/stats?account=${ACCOUNT}`)
    erp = await simCall('GET', '/_sim/erp/orders/stats')
    const terminal = (oms.byStatus.invoiced ?? 0) + (oms.byStatus.canceled ?? 0)
    if (oms.ordersCreated >= ORDERS && terminal === ORDERS && erp.actor.finished >= erp.actor.planned) break
    if (Date.now() > deadline) throw new Error(`not done in time: ${JSON.stringify({ oms: oms.byStatus, erp: erp.handoffs })}`)
    await sleep(1000)
  }
  console.log(JSON.stringify({ orders: ORDERS, oms: oms.byStatus, handoffs: erp.handoffs, scheduler: await simCall('GET', '/_sim/scheduler/stats') }))
  expectHandedOffOnce(erp, ORDERS - oms.customerCancellations)
  expect(oms.refused).toBe(0)
  expect(erp.actions.refusedByPonte).toEqual({})

  // Reads from both: the same catalog, and each workspace's own view of the orders (only master
  // took orders in, so only master has records).
  const invoiced = (await simCall<{ orderIds: string[] }>('GET', `/_sim/oms/orders?account=${ACCOUNT}&status=invoiced`)).orderIds
  expect(invoiced.length).toBeGreaterThan(0)
  const orderQuery = 'query($id: ID!) { order(id: $id) { orderId status handedOffAt } }'
  const [onMaster, onTest] = await Promise.all([0, 1].map((i) => graphqlOn(i, orderQuery, { id: invoiced[0] })))
  expect(onMaster.data?.order).toMatchObject({ orderId: invoiced[0], status: 'invoiced', handedOffAt: expect.any(String) })
  expect(onTest.errors).toBeUndefined()
  expect(onTest.data?.order).toBeNull()
  const trees = await Promise.all([0, 1].map((i) => graphqlOn(i, '{ categoryTree { id name } }')))
  expect(trees[0].errors).toBeUndefined()
  expect(trees[1]).toEqual(trees[0])
  const intake = await graphqlOn(1, '{ orderIntake { hookUrl hookOk } }')
  // The test workspace sees the intake pointed at master's host, not at itself.
  expect(intake.data?.orderIntake).toEqual({ hookUrl: `https://master--${ACCOUNT}.myvtex.com/_v/ponte/orders/hook`, hookOk: false })
}, 15 * 60 * 1000)
