/** The safety net: orders no channel delivered are found by listing the OMS and handed off once. */
import { testDeps, world } from '../test-support/fakeOrders'
import { tick } from './feed'
import type { OrderRecord } from './store'
import { paths } from './store'
import { SWEEP_STATE, sweep } from './sweep'

const minutesAgo = (m: number) => new Date(Date.now() - m * 60000).toISOString()
const SWEEP = { sweepIntervalMs: 300000, sweepGraceMs: 60000, sweepWindowMs: 3 * 3600000, sweepSliceMs: 3600000 }

function lostOrders(w: ReturnType<typeof world>, n: number, status = 'ready-for-handling', createdMinutesAgo = 30) {
  const ids: string[] = []
  for (let i = 0; i < n; i += 1) {
    const orderId = `v${7000 + i}pnt-01`
    w.oms.addOrder({ orderId, status, lastChange: minutesAgo(createdMinutesAgo - 1), creationDate: minutesAgo(createdMinutesAgo) })
    ids.push(orderId)
  }
  return ids
}

describe('sweep', () => {
  it('hands off every order past the hand-off status that Ponte holds no record of, once', async () => {
    const w = world()
    const lost = lostOrders(w, 20)
    // Not due for the sweep: before the hand-off status, too young (grace), older than the window.
    w.oms.addOrder({ orderId: 'v8001pnt-01', status: 'payment-pending', creationDate: minutesAgo(30), lastChange: minutesAgo(30) })
    w.oms.addOrder({ orderId: 'v8002pnt-01', status: 'ready-for-handling', creationDate: minutesAgo(0), lastChange: minutesAgo(0) })
    w.oms.addOrder({ orderId: 'v8003pnt-01', status: 'ready-for-handling', creationDate: minutesAgo(4 * 60), lastChange: minutesAgo(4 * 60) })
    const deps = testDeps(w, { tuning: SWEEP })
    const result = await sweep(deps)
    expect(result).toEqual({ swept: true, listed: 20, missing: 20, owed: 0, recovered: 20, failed: 0, overflow: false })
    expect(w.erp.handoffs().map((d) => d.orderId).sort()).toEqual(lost)
    for (const id of lost) expect(w.kv.json<OrderRecord>(paths.order(id))?.handoff?.deliveredAt).toEqual(expect.any(String))
    // Every status at or past ready-for-handling was asked for, by creation date.
    const query = w.oms.calls.find((c) => c.op === 'listOrders')?.body as { statuses: string[] }
    expect(query.statuses).toEqual(expect.arrayContaining(['ready-for-handling', 'handling', 'invoiced']))
    expect(query.statuses).not.toContain('payment-pending')
    // Forced again: every order has a record now, nothing more is sent.
    expect(await sweep(deps, { force: true })).toMatchObject({ listed: 20, missing: 0, recovered: 0 })
    expect(w.erp.handoffs()).toHaveLength(20)
    expect(w.erp.duplicates).toBe(0)
  })

  it('drives again an order whose record still owes its hand-off (the ERP failed the first time)', async () => {
    const w = world()
    const lost = lostOrders(w, 3)
    const deps = testDeps(w, { tuning: { ...SWEEP, erpMaxAttempts: 1 } })
    w.erp.failures = 3
    expect(await sweep(deps)).toMatchObject({ missing: 3, recovered: 0, failed: 3 })
    expect(w.erp.handoffs()).toHaveLength(0)
    // The next sweep: records exist, but each still owes its hand-off.
    expect(await sweep(deps, { force: true })).toMatchObject({ missing: 0, owed: 3, recovered: 3, failed: 0 })
    expect(w.erp.handoffs().map((d) => d.orderId).sort()).toEqual(lost)
    expect(await sweep(deps, { force: true })).toMatchObject({ owed: 0, recovered: 0 })
    expect(w.erp.duplicates).toBe(0)
  })

  it('runs from the tick once per interval across replicas', async () => {
    const w = world()
    lostOrders(w, 3)
    const a = testDeps(w, { owner: 'replica-a', tuning: SWEEP })
    const b = testDeps(w, { owner: 'replica-b', tuning: SWEEP })
    await tick(a)
    await tick(b)
    await tick(a)
    expect(w.oms.calls.filter((c) => c.op === 'listOrders')).toHaveLength(3) // one sweep: three one-hour slices
    expect(w.kv.json<{ by: string }>(SWEEP_STATE)?.by).toBe('replica-a')
    expect(w.erp.handoffs()).toHaveLength(3)
  })

  it('pages through a slice (the orders are in the last of three one-hour slices)', async () => {
    const w = world()
    lostOrders(w, 250)
    const deps = testDeps(w, { tuning: SWEEP })
    const result = await sweep(deps)
    expect(result).toMatchObject({ listed: 250, missing: 250, recovered: 250, overflow: false })
    expect(w.oms.calls.filter((c) => c.op === 'listOrders').map((c) => (c.body as { page: number }).page)).toEqual([1, 1, 1, 2, 3])
  })

  it('reports a slice beyond VTEX\'s 30 pages as overflow (and stops at an empty page)', async () => {
    const w = world()
    lostOrders(w, 1)
    const list = w.oms.listOrders.bind(w.oms)
    w.oms.listOrders = async (q) => ({ ...(await list(q)), pages: 31 })
    const result = await sweep(testDeps(w, { tuning: { ...SWEEP, sweepWindowMs: 3600000 } }))
    expect(result).toMatchObject({ overflow: true, recovered: 1 })
    expect(w.oms.calls.filter((c) => c.op === 'listOrders')).toHaveLength(2)
  })
})
