/**
 * Fenced claims (deliver.ts over the core's claimDelivery): a replica whose claim was taken over
 * while it stalled cannot complete, overwrite or duplicate anything; a live slow attempt renews
 * its claim instead of losing it.
 */
import type { ErpApi, ErpDelivery } from '../clients/erp'
import type { OmsApi } from '../clients/oms'
import { pause } from '../test-support/fakeKv'
import { bodies, testDeps, world } from '../test-support/fakeOrders'
import type { OrdersDeps } from './deps'
import { makeDeps } from './deps'
import { drive } from './deliver'
import { processEvent } from './intake'
import type { OrderRecord } from './store'
import { paths } from './store'

const ID = 'v3001pnt-01'
const RFH = '2024-03-01T10:00:00.0000000Z'
const HANDOFF = `${ID}:order`
/** Short claims: 200 ms, covering a 100 ms ERP call and a 100 ms Get order. */
const SHORT = { claimMs: 200, erpTimeoutMs: 100, getOrderBudgetMs: 100, clockSkewMs: 0, claimWaitMs: 0, erpMaxAttempts: 1 }

function ready(w: ReturnType<typeof world>) {
  w.oms.addOrder({ orderId: ID, status: 'ready-for-handling', lastChange: RFH })
  return bodies(ID, 'ready-for-handling', 'window-to-cancel', RFH)
}

/** The order's record with its hand-off owed and no claim (the ERP was down when it was decided). */
async function owed(w: ReturnType<typeof world>) {
  const b = ready(w)
  w.erp.failures = 1
  await processEvent(testDeps(w, { owner: 'replica-0', tuning: SHORT }), 'hook', b.hook)
  w.erp.failures = 0
  w.erp.postFences.length = 0
  const record = w.kv.json<OrderRecord>(paths.order(ID)) as OrderRecord
  expect(record.outbox.map((e) => e.deliveryId)).toEqual([HANDOFF])
  expect(record.pending).toBeNull()
  return record
}

/** Deps whose ERP calls go through `wrap` (to stall one replica at a chosen point). */
function withErp(deps: OrdersDeps, erp: ErpApi): OrdersDeps {
  return makeDeps({ ...deps, erp })
}

describe('fenced claims', () => {
  it('a replica stalled before its POST lands is refused by the ERP once the new holder looked the delivery up', async () => {
    const w = world()
    await owed(w)
    let stalled: Promise<unknown> | null = null
    const slowPost: ErpApi = {
      lookup: (...args) => w.erp.lookup(...args),
      // A stalls 400 ms (twice its claim) before its POST reaches the ERP.
      deliver: async (e, t, d: ErpDelivery, fence?: number) => {
        await pause(400)
        return w.erp.deliver(e, t, d, fence)
      },
    }
    const a = withErp(testDeps(w, { owner: 'replica-a', tuning: SHORT }), slowPost)
    stalled = drive(a, ID)
    await pause(250)
    // A's claim lapsed: B takes it over with a higher fence, looks up (absent), delivers.
    const b = testDeps(w, { owner: 'replica-b', tuning: SHORT })
    expect(await drive(b, ID)).toMatchObject({ complete: true, delivered: 1 })
    expect(await stalled).toMatchObject({ complete: false, reason: 'fenced by the ERP' })
    expect(w.erp.received).toHaveLength(1)
    expect(w.erp.duplicates).toBe(0)
    expect(w.erp.fenced).toBe(1)
    // B's POST first, A's late one with its lower fence.
    const [first, late] = w.erp.postFences
    expect(late.fence).toBeLessThan(first.fence as number)
    const record = w.kv.json<OrderRecord>(paths.order(ID)) as OrderRecord
    expect(record.done).toEqual([HANDOFF])
    expect(record.pending).toBeNull()
  })

  it('a replica whose POST landed but whose claim was taken over cannot mark it done; the new holder finds it at the ERP', async () => {
    const w = world()
    await owed(w)
    const slowAnswer: ErpApi = {
      lookup: (...args) => w.erp.lookup(...args),
      // The ERP stores A's POST at once, but the answer reaches A 400 ms later.
      deliver: async (e, t, d: ErpDelivery, fence?: number) => {
        const answer = await w.erp.deliver(e, t, d, fence)
        await pause(400)
        return answer
      },
    }
    const a = withErp(testDeps(w, { owner: 'replica-a', tuning: SHORT }), slowAnswer)
    const stalled = drive(a, ID)
    await pause(250)
    const writesBefore = w.kv.writes
    const b = testDeps(w, { owner: 'replica-b', tuning: SHORT })
    expect(await drive(b, ID)).toMatchObject({ complete: true, delivered: 1 })
    const afterB = w.kv.writes
    expect(afterB).toBeGreaterThan(writesBefore)
    // A's answer arrives: its fence is gone, so it writes nothing.
    expect(await stalled).toMatchObject({ complete: false, reason: 'claim taken over', delivered: 0 })
    expect(w.kv.writes).toBe(afterB)
    expect(w.erp.received).toHaveLength(1)
    expect(w.erp.duplicates).toBe(0)
    const record = w.kv.json<OrderRecord>(paths.order(ID)) as OrderRecord
    expect(record.done).toEqual([HANDOFF])
    expect(record.log.filter((l) => l.cause === 'handoff')).toHaveLength(1)
  })

  it('a live attempt renews its claim before the ERP call when a slow Get order used it up, and keeps it', async () => {
    const w = world()
    await owed(w)
    const slowOms = new Proxy(w.oms, {
      get(target, prop, receiver) {
        if (prop === 'getOrder') {
          return async (id: string) => {
            await pause(170)
            return target.getOrder(id)
          }
        }
        return Reflect.get(target, prop, receiver) as unknown
      },
    }) as OmsApi
    const a = makeDeps({ ...testDeps(w, { owner: 'replica-a', tuning: { ...SHORT, erpLookupBeforeRetry: false } }), oms: slowOms })
    const untils: number[] = []
    const put = w.kv.put.bind(w.kv)
    w.kv.put = (path, data, ifMatch) => {
      const pending = (data as OrderRecord).pending
      if (path === paths.order(ID) && pending) untils.push(pending.until)
      return put(path, data, ifMatch)
    }
    const started = Date.now()
    expect(await drive(a, ID)).toMatchObject({ complete: true, delivered: 1 })
    // The claim, then its renewal after Get order (170 ms of a 200 ms claim: 30 ms < the 100 ms ERP call).
    expect(untils).toHaveLength(2)
    expect(untils[1] - untils[0]).toBeGreaterThanOrEqual(150)
    expect(untils[1]).toBeGreaterThanOrEqual(started + 170 + 200)
    expect(w.erp.received).toHaveLength(1)
  })

  it('claims carry increasing fences, also across a record that forgot its count', async () => {
    const w = world()
    const record = await owed(w)
    // A record replaced by a late blind create has no fence count; the clock still orders fences.
    await w.kv.put(paths.order(ID), { ...record, fence: undefined, pending: { deliveryId: HANDOFF, by: 'gone', until: Date.now() - 1, fence: 5 } })
    await drive(testDeps(w, { owner: 'replica-b', tuning: SHORT }), ID)
    const after = w.kv.json<OrderRecord>(paths.order(ID)) as OrderRecord
    expect(after.fence).toBeGreaterThanOrEqual(Date.now() - 5000)
    expect(w.erp.postFences[0].fence).toBe(after.fence)
  })
})

describe('after an invoiced notice', () => {
  const INVOICED = '2024-03-01T12:00:00.0000000Z'

  async function invoicedOrder(afterInvoiced: OrdersDeps['afterInvoiced'], w = world()) {
    const deps = makeDeps({ ...testDeps(w, { settings: { intakeStatuses: ['ready-for-handling', 'handling', 'invoiced'] } }), afterInvoiced })
    await processEvent(deps, 'hook', ready(w).hook)
    w.oms.setStatus(ID, 'handling', '2024-03-01T11:00:00.0000000Z')
    await processEvent(deps, 'hook', bodies(ID, 'handling', 'start-handling', '2024-03-01T11:00:00.0000000Z').hook)
    w.oms.setStatus(ID, 'invoiced', INVOICED)
    await processEvent(deps, 'hook', bodies(ID, 'invoiced', 'invoice', INVOICED).hook)
    return w
  }

  it('runs the stock refresh once, after the ERP has the notice and before it is marked done', async () => {
    const calls: Array<{ orderId: string; erpHad: string[]; done: string[] }> = []
    const w = world()
    await invoicedOrder(async (orderId, order) => {
      const record = w.kv.json<OrderRecord>(paths.order(ID))
      calls.push({ orderId: `${orderId}/${order.orderId}`, erpHad: w.erp.received.map((d) => d.status ?? ''), done: record?.done ?? [] })
    }, w)
    expect(calls).toHaveLength(1)
    expect(calls[0].orderId).toBe(`${ID}/${ID}`)
    expect(calls[0].erpHad).toContain('invoiced')
    expect(calls[0].done.some((id) => id.includes(':invoiced:'))).toBe(false)
    const record = w.kv.json<OrderRecord>(paths.order(ID)) as OrderRecord
    expect(record.done.some((id) => id.includes(':invoiced:'))).toBe(true)
  })

  it('a refresh that fails does not hold the notice back', async () => {
    const w = await invoicedOrder(async () => {
      throw new Error('ERP stock endpoint down')
    })
    const record = w.kv.json<OrderRecord>(paths.order(ID)) as OrderRecord
    expect(record.outbox).toEqual([])
    expect(record.done.some((id) => id.includes(':invoiced:'))).toBe(true)
  })
})
