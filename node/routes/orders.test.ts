/** The hook and tick routes and the IO event handler, over fakes. */
import { Readable } from 'stream'
import type { EventContext } from '@vtex/api'

import type { Clients, Context, State } from '../clients'
import { orderStatusChanged } from '../events/orderStatusChanged'
import { settingsCache } from '../orders/settings'
import type { OrderRecord } from '../orders/store'
import { paths } from '../orders/store'
import { bodies, testDeps, world } from '../test-support/fakeOrders'
import { mockContext } from '../test-support/mockContext'
import * as wasm from '../generated/ponte_wasm'
import { orderFeedTick, orderHook, SECRET_HEADER, TICK_SECRET_HEADER } from './orders'

const SECRET = 'a-secret-of-sixteen-chars'
const TICK_SECRET = 'the-tick-secret-of-its-own'
const ID = 'v2002pnt-01'
const RFH = '2024-03-01T10:00:00.0000000Z'

function call(body: string, headers: Record<string, string> = { [SECRET_HEADER]: SECRET }, settings: unknown = { hookSecret: SECRET, tickSecret: TICK_SECRET }) {
  const ctx = mockContext({ request: { headers, settings } }) as Context & { status?: number; body?: unknown }
  ;(ctx as unknown as { req: Readable }).req = Readable.from([Buffer.from(body)])
  return ctx
}

const flush = () => new Promise((done) => setTimeout(done, 100))

beforeEach(() => settingsCache.clear())

describe('orderHook', () => {
  it('answers the ping 200 with the secret, 401 without', async () => {
    const w = world()
    const hook = orderHook(async () => testDeps(w))
    const ok = call('{"hookConfig":"ping"}')
    await hook(ok, async () => undefined)
    expect(ok.status).toBe(200)
    const missing = call('{"hookConfig":"ping"}', {})
    await hook(missing, async () => undefined)
    expect(missing.status).toBe(401)
    expect(missing.body).toMatchObject({ code: 'HOOK_SECRET_INVALID' })
    const wrong = call('{"hookConfig":"ping"}', { [SECRET_HEADER]: 'a-secret-of-sixteen-charZ' })
    await hook(wrong, async () => undefined)
    expect(wrong.status).toBe(401)
    expect(w.kv.writes).toBe(0)
  })

  it('refuses every call when no hookSecret is configured', async () => {
    const w = world()
    const ctx = call('{"hookConfig":"ping"}', { [SECRET_HEADER]: SECRET }, {})
    await orderHook(async () => testDeps(w))(ctx, async () => undefined)
    expect(ctx.status).toBe(401)
    expect(ctx.body).toMatchObject({ code: 'HOOK_SECRET_INVALID', message: expect.stringMatching(/not configured/) })
  })

  it('answers a malformed body 400 with the core code and stores nothing', async () => {
    const w = world()
    const ctx = call('{"State":"ready-for-handling"}')
    await orderHook(async () => testDeps(w))(ctx, async () => undefined)
    expect(ctx.status).toBe(400)
    expect(ctx.body).toMatchObject({ code: 'HOOK_PAYLOAD_INVALID', message: expect.stringMatching(/missing/) })
    const big = call(`{"x":"${'a'.repeat(70000)}"}`)
    await orderHook(async () => testDeps(w))(big, async () => undefined)
    expect(big.status).toBe(400)
    expect(w.kv.writes).toBe(0)
  })

  it('accepts durably before answering, then hands off in the background however slow the ERP is', async () => {
    const w = world()
    w.oms.addOrder({ orderId: ID, status: 'ready-for-handling', lastChange: RFH })
    w.erp.latencyMs = 300
    const ctx = call(bodies(ID, 'ready-for-handling', 'window-to-cancel', RFH).hook)
    const started = Date.now()
    await orderHook(async () => testDeps(w))(ctx, async () => undefined)
    expect(Date.now() - started).toBeLessThan(250)
    expect(ctx.status).toBe(200)
    expect([...w.kv.files.keys()].filter((p) => p.startsWith('inbox/'))).toHaveLength(1)
    expect(w.erp.received).toHaveLength(0)
    await new Promise((done) => setTimeout(done, 600))
    expect(w.erp.handoffs(ID)).toHaveLength(1)
    expect([...w.kv.files.keys()].filter((p) => p.startsWith('inbox/'))).toHaveLength(0)
  })

  it('answers a status outside the intakeStatuses setting without storing or reading anything', async () => {
    const w = world()
    w.oms.addOrder({ orderId: ID, status: 'payment-pending', lastChange: RFH })
    const filtered = async () => testDeps(w, { settings: { intakeStatuses: ['ready-for-handling', 'canceled'] } })
    const ctx = call(bodies(ID, 'payment-pending', 'on-order-completed', RFH).hook)
    await orderHook(filtered)(ctx, async () => undefined)
    expect(ctx.status).toBe(200)
    expect(ctx.body).toMatchObject({ filteredOut: true })
    const event = { body: JSON.parse(bodies(ID, 'payment-pending', 'on-order-completed', RFH).ioEvent), clients: {}, vtex: { workspace: 'master' } } as unknown as EventContext<Clients, State>
    await orderStatusChanged(filtered)(event)
    await flush()
    expect(w.kv.writes).toBe(0)
    expect(w.oms.calls).toEqual([])
    // A status in the list goes the whole way.
    const kept = call(bodies(ID, 'ready-for-handling', 'window-to-cancel', RFH).hook)
    await orderHook(filtered)(kept, async () => undefined)
    expect(kept.body).toEqual({ accepted: true })
    expect(w.kv.writes).toBeGreaterThan(0)
  })

  it('costs one core call before the answer and one per read after it: the body is parsed once', async () => {
    // An order no other test uses (the replica's in-flight set is per process), and their
    // background work over before counting.
    await flush()
    const id = 'v2003pnt-01'
    const w = world()
    w.oms.addOrder({ orderId: id, status: 'ready-for-handling', lastChange: RFH })
    const hook = orderHook(async () => testDeps(w))
    const send = async (body: string) => {
      const ctx = call(body)
      await hook(ctx, async () => undefined)
      expect(ctx.status).toBe(200)
      await flush()
    }
    const spies = {
      accept: jest.spyOn(wasm, 'accept_order_event'),
      step: jest.spyOn(wasm, 'order_event_step'),
      handle: jest.spyOn(wasm, 'handle_order_event'),
      fromOrder: jest.spyOn(wasm, 'order_state_from_order'),
    }
    const counts = () => Object.fromEntries(Object.entries(spies).map(([k, s]) => [k, s.mock.calls.length]))
    const reset = () => Object.values(spies).forEach((s) => s.mockClear())
    try {
      // First sight: the record is created from Get order, so deciding and folding is one step.
      await send(bodies(id, 'ready-for-handling', 'window-to-cancel', RFH).hook)
      expect(counts()).toEqual({ accept: 1, step: 1, handle: 0, fromOrder: 1 })
      expect(w.erp.handoffs(id)).toHaveLength(1)
      // A new event of a known order: accept; decide on the memory (read Get order); fold.
      reset()
      await send(bodies(id, 'handling', 'ready-for-handling', '2024-03-01T11:00:00.0000000Z').hook)
      expect(counts()).toEqual({ accept: 1, step: 2, handle: 0, fromOrder: 0 })
      // The same change again: accept; decide (duplicate), nothing read from the OMS.
      reset()
      const omsCalls = w.oms.calls.length
      await send(bodies(id, 'handling', 'ready-for-handling', '2024-03-01T11:00:00.0000000Z').hook)
      expect(counts()).toEqual({ accept: 1, step: 1, handle: 0, fromOrder: 0 })
      expect(w.oms.calls.length).toBe(omsCalls)
    } finally {
      Object.values(spies).forEach((s) => s.mockRestore())
    }
  })

  it('answers 503 when the inbox cannot be written (VTEX retries)', async () => {
    const w = world()
    w.kv.failPuts.push({ prefix: 'inbox/', times: 1 })
    const ctx = call(bodies(ID, 'ready-for-handling', 'window-to-cancel', RFH).hook)
    await orderHook(async () => testDeps(w))(ctx, async () => undefined)
    expect(ctx.status).toBe(503)
    expect(ctx.body).toMatchObject({ code: 'INBOX_UNAVAILABLE' })
  })
})

describe('hook + feed + IO event for one change', () => {
  it('hands the order off once', async () => {
    const w = world()
    w.oms.addOrder({ orderId: ID, status: 'ready-for-handling', lastChange: RFH })
    const b = bodies(ID, 'ready-for-handling', 'window-to-cancel', RFH)
    w.oms.enqueue(b.feedItem)
    const deps = async () => testDeps(w)
    const hookCtx = call(b.hook)
    await orderHook(deps)(hookCtx, async () => undefined)
    const event = { body: JSON.parse(b.ioEvent), clients: {}, vtex: { workspace: 'master' } } as unknown as EventContext<Clients, State>
    await orderStatusChanged(async () => testDeps(w, { owner: 'replica-b' }))(event)
    const tickCtx = call('', { [TICK_SECRET_HEADER]: TICK_SECRET })
    await orderFeedTick(deps)(tickCtx, async () => undefined)
    await flush()
    expect(tickCtx.body).toMatchObject({ taken: 1, committed: 1, failed: 0 })
    expect(w.erp.handoffs(ID)).toHaveLength(1)
    expect(w.erp.duplicates).toBe(0)
    expect(w.oms.committed).toEqual(['handle-1'])
    expect(w.kv.json<OrderRecord>(paths.order(ID))?.memory.seenKeys).toHaveLength(1)
  })

  it('the tick needs its own secret: none, or the hook secret, is refused', async () => {
    const w = world()
    const attempts: Array<Record<string, string>> = [{}, { [SECRET_HEADER]: SECRET }, { [TICK_SECRET_HEADER]: SECRET }]
    for (const headers of attempts) {
      const ctx = call('', headers)
      await orderFeedTick(async () => testDeps(w))(ctx, async () => undefined)
      expect(ctx.status).toBe(401)
      expect(ctx.body).toMatchObject({ code: 'TICK_SECRET_INVALID' })
    }
    expect(w.oms.calls).toEqual([])
  })

  it('a workspace that does not own background work takes nothing in (A/B test)', async () => {
    const w = world()
    w.oms.addOrder({ orderId: ID, status: 'ready-for-handling', lastChange: RFH })
    const b = bodies(ID, 'ready-for-handling', 'window-to-cancel', RFH)
    w.oms.enqueue(b.feedItem)
    const elsewhere = { hookSecret: SECRET, tickSecret: TICK_SECRET, backgroundWorkspace: 'ab-new' }
    const deps = async () => testDeps(w, { settings: elsewhere })
    const hookCtx = call(b.hook, { [SECRET_HEADER]: SECRET }, elsewhere)
    await orderHook(deps)(hookCtx, async () => undefined)
    expect(hookCtx.status).toBe(503)
    expect(hookCtx.body).toMatchObject({ code: 'NOT_BACKGROUND_WORKSPACE' })
    const tickCtx = call('', { [TICK_SECRET_HEADER]: TICK_SECRET }, elsewhere)
    await orderFeedTick(deps)(tickCtx, async () => undefined)
    expect(tickCtx.body).toMatchObject({ taken: 0, skipped: 'NOT_BACKGROUND_WORKSPACE' })
    const event = { body: JSON.parse(b.ioEvent), clients: {}, vtex: { workspace: 'master' } } as unknown as EventContext<Clients, State>
    await orderStatusChanged(deps)(event)
    await flush()
    expect(w.kv.writes).toBe(0)
    expect(w.oms.calls).toEqual([])
    expect(w.erp.handoffs(ID)).toHaveLength(0)
  })

  it('an IO event the core refuses is recorded and acknowledged', async () => {
    const w = world()
    const event = { body: { orderId: ID, domain: 'Fulfillment' }, clients: {}, vtex: { workspace: 'master' } } as unknown as EventContext<Clients, State>
    await orderStatusChanged(async () => testDeps(w))(event)
    const rejected = [...w.kv.files.keys()].filter((p) => p.startsWith('rejected/'))
    expect(rejected).toHaveLength(1)
    expect(w.kv.json<{ code: string }>(rejected[0])?.code).toBe('IO_EVENT_INVALID')
  })
})
