/** The orders flow over fakes: intake, exactly-once hand-off, replicas racing, the feed tick. */
import { PonteError } from '../lib/errors'
import { FakeKv } from '../test-support/fakeKv'
import { bodies, testDeps, world } from '../test-support/fakeOrders'
import { accept, resumeInbox, work, workInBackground } from './inbox'
import { tick } from './feed'
import { processEvent } from './intake'
import type { OrderRecord } from './store'
import { digest, paths } from './store'

const ID = 'v1001pnt-01'

/** Whether the inbox holds an entry of `key` (its path carries the key's digest). */
const inboxHas = (w: ReturnType<typeof world>, key: string) => [...w.kv.files.keys()].some((p) => p.startsWith('inbox/') && p.includes(digest(key)))
const RFH = '2024-03-01T10:00:00.0000000Z'

function ready(w: ReturnType<typeof world>, orderId = ID) {
  w.oms.addOrder({ orderId, status: 'ready-for-handling', lastChange: RFH })
  return bodies(orderId, 'ready-for-handling', 'window-to-cancel', RFH)
}

/**
 * Replica A processed the hook with the ERP down, and holds a live claim on the hand-off (it is
 * delivering it right now, or died doing so); the ERP is up again. `hold(until, record)` writes
 * A's claim again (on the record as it was then, unless another is given).
 */
async function replicaAClaims(w: ReturnType<typeof world>, b: ReturnType<typeof ready>) {
  w.erp.failures = 100
  await processEvent(testDeps(w, { owner: 'replica-a' }), 'hook', b.hook)
  const rec = w.kv.json<OrderRecord>(paths.order(ID)) as OrderRecord
  const hold = (until: number, record = rec) => w.kv.put(paths.order(ID), { ...record, pending: { deliveryId: `${ID}:order`, by: 'replica-a', until } })
  await hold(Date.now() + 60000)
  w.erp.failures = 0
  return hold
}

describe('processEvent', () => {
  it('hands an order off once, with the Get order JSON, when it reaches ready-for-handling', async () => {
    const w = world()
    const b = ready(w)
    const deps = testDeps(w, { settings: { erpToken: 'erp-token' } })
    const result = await processEvent(deps, 'hook', b.hook)
    expect(result).toMatchObject({ kind: 'event', decision: 'new', queued: [`${ID}:order`], delivered: 1, complete: true })
    expect(w.erp.handoffs()).toHaveLength(1)
    const handoff = w.erp.handoffs()[0]
    expect(handoff).toMatchObject({ deliveryId: `${ID}:order`, kind: 'order', orderId: ID, status: 'ready-for-handling' })
    expect((handoff.order as { orderId: string }).orderId).toBe(ID)
    expect(w.erp.seen[0]).toEqual({ endpoint: 'https://erp.ponte-sim.test/erp', token: 'erp-token' })
    const record = w.kv.json<OrderRecord>(paths.order(ID))
    expect(record?.handoff?.deliveredAt).toEqual(expect.any(String))
    expect(record?.state.status).toBe('ready-for-handling')
    expect(record?.memory.seenKeys).toHaveLength(1)
    expect(record?.outbox).toEqual([])
  })

  it('processes an event delivered three times (hook, feed, IO event) once', async () => {
    const w = world()
    const b = ready(w)
    const deps = testDeps(w)
    const first = await processEvent(deps, 'hook', b.hook)
    const second = await processEvent(deps, 'feed', b.feed('h-1'))
    const third = await processEvent(deps, 'ioEvent', b.ioEvent)
    expect([first, second, third].map((r) => r.kind === 'event' && r.decision)).toEqual(['new', 'duplicate', 'duplicate'])
    expect(w.erp.received).toHaveLength(1)
    expect(w.erp.duplicates).toBe(0)
  })

  it('does not hand off before handoffStatus, then does, then tells the ERP of later changes once each', async () => {
    const w = world()
    const deps = testDeps(w)
    w.oms.addOrder({ orderId: ID, status: 'window-to-cancel', lastChange: '2024-03-01T09:30:00Z' })
    await processEvent(deps, 'hook', bodies(ID, 'window-to-cancel', 'authorize-fulfillment', '2024-03-01T09:30:00Z').hook)
    expect(w.erp.received).toHaveLength(0)
    w.oms.setStatus(ID, 'ready-for-handling', RFH)
    await processEvent(deps, 'feed', bodies(ID, 'ready-for-handling', 'window-to-cancel', RFH).feed('h1'))
    w.oms.setStatus(ID, 'handling', '2024-03-01T10:05:00Z')
    const handling = bodies(ID, 'handling', 'start-handling', '2024-03-01T10:05:00Z')
    await processEvent(deps, 'ioEvent', handling.ioEvent)
    await processEvent(deps, 'hook', handling.hook)
    expect(w.erp.received.map((d) => d.deliveryId)).toEqual([`${ID}:order`, `${ID}:status:handling:2024-03-01T10:05:00.000000000Z`])
    expect(w.erp.received[1]).toMatchObject({ kind: 'status', status: 'handling', previousStatus: 'start-handling' })
  })

  it('records an order first seen canceled without handing it off', async () => {
    const w = world()
    const deps = testDeps(w)
    w.oms.addOrder({ orderId: ID, status: 'canceled', lastChange: '2024-03-01T09:40:00Z' })
    const r = await processEvent(deps, 'hook', bodies(ID, 'canceled', 'cancel', '2024-03-01T09:40:00Z').hook)
    expect(r).toMatchObject({ decision: 'new', queued: [], complete: true })
    expect(w.erp.received).toHaveLength(0)
    const record = w.kv.json<OrderRecord>(paths.order(ID))
    expect(record?.handoffSkipped?.status).toBe('canceled')
    // A late ready-for-handling event does not hand it off either.
    await processEvent(deps, 'hook', bodies(ID, 'ready-for-handling', 'window-to-cancel', RFH).hook)
    expect(w.erp.received).toHaveLength(0)
  })

  it('refuses a malformed body with the core code and writes nothing', async () => {
    const w = world()
    const deps = testDeps(w)
    await expect(processEvent(deps, 'hook', '{"OrderId": 3}')).rejects.toMatchObject({ code: 'HOOK_PAYLOAD_INVALID' })
    await expect(processEvent(deps, 'feed', '{"orderId":"x-01"}')).rejects.toMatchObject({ code: 'FEED_ITEM_INVALID' })
    expect(w.kv.writes).toBe(0)
  })

  it('an unknown order is ORDER_NOT_FOUND (the carrier keeps the event)', async () => {
    const w = world()
    const deps = testDeps(w)
    const err = await processEvent(deps, 'hook', bodies('v404pnt-01', 'ready-for-handling', 'window-to-cancel', RFH).hook).catch((e) => e)
    expect(err).toBeInstanceOf(PonteError)
    expect(err.code).toBe('ORDER_NOT_FOUND')
  })

  it('keeps the delivery owed while the ERP fails, and finishes it on a redelivery', async () => {
    const w = world()
    const b = ready(w)
    const deps = testDeps(w, { tuning: { erpMaxAttempts: 2 } })
    w.erp.failures = 2
    const first = await processEvent(deps, 'hook', b.hook)
    expect(first).toMatchObject({ decision: 'new', complete: false })
    expect(w.kv.json<OrderRecord>(paths.order(ID))?.outbox[0]).toMatchObject({ deliveryId: `${ID}:order`, attempts: 2, lastError: 'HTTP 503' })
    const again = await processEvent(deps, 'feed', b.feed('h-2'))
    expect(again).toMatchObject({ decision: 'duplicate', delivered: 1, complete: true })
    expect(w.erp.handoffs()).toHaveLength(1)
  })
})

describe('two replicas sharing VBase', () => {
  it('racing on the same event, hand it off once', async () => {
    for (let round = 0; round < 5; round++) {
      const w = world()
      const b = ready(w)
      w.kv.latency = () => Math.floor(Math.random() * 4)
      w.erp.latencyMs = 3
      const a = testDeps(w, { owner: 'replica-a', tuning: { settleMs: 50, claimWaitMs: 2000 } })
      const c = testDeps(w, { owner: 'replica-b', tuning: { settleMs: 50, claimWaitMs: 2000 } })
      const results = await Promise.all([
        processEvent(a, 'hook', b.hook),
        processEvent(c, 'feed', b.feed('h-1')),
        processEvent(a, 'ioEvent', b.ioEvent),
        processEvent(c, 'hook', b.hook),
      ])
      expect(results.filter((r) => r.kind === 'event' && r.decision === 'new')).toHaveLength(1)
      expect(results.every((r) => r.kind === 'event' && r.complete)).toBe(true)
      expect(w.erp.received).toHaveLength(1)
    }
  })

  it('a claim left by a dead replica is taken over after it expires', async () => {
    const w = world()
    const b = ready(w)
    // Replica A "died" holding a claim.
    const hold = await replicaAClaims(w, b)
    const c = testDeps(w, { owner: 'replica-b', tuning: { claimWaitMs: 50 } })
    const blocked = await processEvent(c, 'feed', b.feed('h-2'))
    expect(blocked).toMatchObject({ complete: false, reason: 'claimed by another replica' })
    expect(w.erp.received).toHaveLength(0)
    await hold(Date.now() - 1)
    const taken = await processEvent(c, 'feed', b.feed('h-3'))
    expect(taken).toMatchObject({ complete: true, delivered: 1 })
    expect(w.erp.handoffs()).toHaveLength(1)
  })

  it('a replica that died after its POST, before marking it done, does not make the ERP see it twice', async () => {
    // The ERP stored the hand-off; replica A died holding its (now expired) claim, before recording it done.
    const diedAfterPost = async () => {
      const w = world()
      const b = ready(w)
      w.erp.failures = 100
      await processEvent(testDeps(w, { owner: 'replica-a' }), 'hook', b.hook)
      const rec = w.kv.json<OrderRecord>(paths.order(ID)) as OrderRecord
      w.erp.stored.set(`${ID}:order`, { deliveryId: `${ID}:order`, kind: 'order', orderId: ID, status: 'ready-for-handling', previousStatus: null, changedAt: RFH, order: {} })
      await w.kv.put(paths.order(ID), { ...rec, pending: { deliveryId: `${ID}:order`, by: 'replica-a', until: Date.now() - 1 } })
      w.erp.failures = 0
      w.erp.lookups = 0
      return { w, b }
    }
    const { w, b } = await diedAfterPost()
    const c = testDeps(w, { owner: 'replica-b' })
    expect(await processEvent(c, 'feed', b.feed('h-2'))).toMatchObject({ complete: true, delivered: 1 })
    expect(w.erp.lookups).toBe(1)
    expect(w.erp.received).toHaveLength(0)
    expect(w.erp.duplicates).toBe(0)
    // Without the lookup, the same takeover posts again and the ERP counts a duplicate.
    const again = await diedAfterPost()
    await processEvent(testDeps(again.w, { owner: 'replica-b', tuning: { erpLookupBeforeRetry: false } }), 'feed', again.b.feed('h-2'))
    expect(again.w.erp.duplicates).toBe(1)
  })
})

describe('the feed tick', () => {
  it('commits an item only once its hand-off is acknowledged', async () => {
    const w = world()
    ready(w)
    w.oms.enqueue(bodies(ID, 'ready-for-handling', 'window-to-cancel', RFH).feedItem)
    const deps = testDeps(w, { tuning: { erpMaxAttempts: 1 } })
    w.erp.failures = 1
    expect(await tick(deps)).toEqual({ taken: 1, committed: 0, failed: 1, resumed: 0 })
    expect(w.oms.committed).toEqual([])
    // Redelivered (same handle in this fake): now the ERP answers.
    expect(await tick(deps)).toEqual({ taken: 1, committed: 1, failed: 0, resumed: 0 })
    expect(w.oms.committed).toEqual(['handle-1'])
    expect(w.erp.handoffs()).toHaveLength(1)
  })

  it("commits an item whose order another worker is delivering, handing its custody to the inbox", async () => {
    const w = world()
    const b = ready(w)
    // Replica A is delivering the hand-off right now (a live claim).
    const hold = await replicaAClaims(w, b)
    w.oms.enqueue(b.feedItem)
    const c = testDeps(w, { owner: 'replica-b' })
    expect(await tick(c)).toMatchObject({ taken: 1, committed: 1, failed: 0 })
    expect([...w.kv.files.keys()].filter((p) => p.startsWith('inbox/'))).toHaveLength(1)
    expect(w.erp.received).toHaveLength(0)
    // Replica A died after all: its claim expires, and the tick resumes the inbox entry.
    const now = w.kv.json<OrderRecord>(paths.order(ID)) as OrderRecord
    await hold(Date.now() - 1, now)
    expect(await resumeInbox(c)).toBe(1)
    expect(w.erp.handoffs()).toHaveLength(1)
    expect([...w.kv.files.keys()].filter((p) => p.startsWith('inbox/'))).toHaveLength(0)
  })

  it('records and commits a malformed item; leaves a recent event of an unknown order uncommitted', async () => {
    const w = world()
    w.oms.enqueue({ domain: 'Fulfillment', state: 'ready-for-handling', orderId: 'bad/id', currentChange: RFH })
    const recent = new Date(Date.now() - 60_000).toISOString()
    w.oms.enqueue(bodies('v404pnt-01', 'ready-for-handling', 'window-to-cancel', recent).feedItem)
    const deps = testDeps(w)
    expect(await tick(deps)).toEqual({ taken: 2, committed: 1, failed: 1, resumed: 0 })
    expect(w.oms.committed).toEqual(['handle-1'])
    const rejected = [...w.kv.files.keys()].filter((p) => p.startsWith('rejected/'))
    expect(rejected).toHaveLength(1)
    expect(w.kv.json<{ code: string }>(rejected[0])?.code).toBe('FEED_ITEM_INVALID')
  })

  it('records and commits an unknown order once its event is older than unknownOrderGiveUpMs', async () => {
    const w = world()
    const old = new Date(Date.now() - 3 * 3600_000).toISOString()
    w.oms.enqueue(bodies('v404pnt-01', 'ready-for-handling', 'window-to-cancel', old).feedItem)
    // Within the (raised) bound it is retried, without a record.
    expect(await tick(testDeps(w, { tuning: { unknownOrderGiveUpMs: 4 * 3600_000 } }))).toMatchObject({ committed: 0, failed: 1 })
    expect([...w.kv.files.keys()].filter((p) => p.startsWith('rejected/'))).toHaveLength(0)
    // Past the default hour: recorded, then committed.
    expect(await tick(testDeps(w))).toMatchObject({ committed: 1, failed: 0 })
    const rejected = [...w.kv.files.keys()].filter((p) => p.startsWith('rejected/'))
    expect(rejected).toHaveLength(1)
    expect(w.kv.json<{ code: string; source: string }>(rejected[0])).toMatchObject({ code: 'ORDER_NOT_FOUND', source: 'feed' })
  })

  it('keeps an unknown order in the inbox, then records it and deletes the entry once it is old enough', async () => {
    const w = world()
    const deps = testDeps(w, { tuning: { unknownOrderGiveUpMs: 3600_000 } })
    const body = bodies('v404pnt-01', 'ready-for-handling', 'window-to-cancel', RFH).hook
    const entry = await accept(deps, 'hook', 'k404', body)
    expect(await work(deps, entry)).toBeNull()
    expect(inboxHas(w, 'k404')).toBe(true)
    await work(deps, { ...entry, receivedAt: new Date(Date.now() - 2 * 3600_000).toISOString() })
    expect(inboxHas(w, 'k404')).toBe(false)
    expect(w.kv.json<{ code: string; source: string; item: string }>(paths.rejected('k404'))).toMatchObject({ code: 'ORDER_NOT_FOUND', source: 'hook', item: body })
  })

  it('drains a backlog in several lots per tick, one commit call per lot', async () => {
    const w = world()
    for (let i = 0; i < 25; i += 1) w.oms.enqueue({ eventId: `bad-${i}`, domain: 'Fulfillment', state: 'ready-for-handling', orderId: 'bad/id', currentChange: RFH })
    expect(await tick(testDeps(w, { tuning: { feedLotsPerTick: 1 } }))).toMatchObject({ taken: 10, committed: 10 })
    expect(await tick(testDeps(w))).toMatchObject({ taken: 15, committed: 15, failed: 0 })
    expect(w.oms.committed).toHaveLength(25)
    expect(w.oms.calls.filter((c) => c.op === 'commitFeed').map((c) => (c.body as string[]).length)).toEqual([10, 10, 5])
  })

  it('takes another lot after a short one, but not after a lot with an item left uncommitted', async () => {
    const w = world()
    // A queue may answer fewer than maxlot items with more waiting.
    const take = w.oms.takeFeed.bind(w.oms)
    w.oms.takeFeed = (maxlot: number) => take(Math.min(maxlot, 3))
    for (let i = 0; i < 7; i += 1) w.oms.enqueue({ eventId: `bad-${i}`, domain: 'Fulfillment', state: 'ready-for-handling', orderId: 'bad/id', currentChange: RFH })
    expect(await tick(testDeps(w))).toMatchObject({ taken: 7, committed: 7 })
    // An unknown order's recent event stays uncommitted: the tick stops after that lot.
    const recent = new Date(Date.now() - 60_000).toISOString()
    for (let i = 0; i < 5; i += 1) w.oms.enqueue(bodies(`v40${i}pnt-01`, 'ready-for-handling', 'window-to-cancel', recent).feedItem)
    expect(await tick(testDeps(w))).toMatchObject({ taken: 3, committed: 0, failed: 3 })
  })

  it('resumes inbox entries a dead replica accepted', async () => {
    const w = world()
    const b = ready(w)
    const deps = testDeps(w, { tuning: { inboxResumeAfterMs: 0 } })
    // Accepted, then the replica died before processing.
    await accept(deps, 'hook', 'k1', b.hook)
    expect(inboxHas(w, 'k1')).toBe(true)
    expect(await tick(deps)).toEqual({ taken: 0, committed: 0, failed: 0, resumed: 1 })
    expect(inboxHas(w, 'k1')).toBe(false)
    expect(w.erp.handoffs()).toHaveLength(1)
    expect(await resumeInbox(deps)).toBe(0)
  })

  it('an inbox entry stays while its work is incomplete', async () => {
    const w = world()
    const b = ready(w)
    const deps = testDeps(w, { tuning: { erpMaxAttempts: 1 } })
    w.erp.failures = 1
    const entry = await accept(deps, 'hook', 'k2', b.hook)
    await work(deps, entry)
    expect(inboxHas(w, 'k2')).toBe(true)
    await work(deps, entry)
    expect(inboxHas(w, 'k2')).toBe(false)
  })
})

describe('background work', () => {
  it('is bounded: beyond the queue an accepted entry waits in the inbox for the tick', async () => {
    const w = world()
    const b = ready(w)
    w.erp.latencyMs = 200
    const deps = testDeps(w, { tuning: { backgroundConcurrency: 1, backgroundQueue: 0 } })
    const first = await accept(deps, 'hook', 'b1', b.hook)
    const second = await accept(deps, 'ioEvent', 'b2', b.ioEvent)
    const running = workInBackground(deps, first)
    expect(await workInBackground(deps, second)).toBeNull()
    expect((await running)?.kind).toBe('event')
    expect(inboxHas(w, 'b2')).toBe(true)
    expect(await resumeInbox(deps)).toBe(1)
    expect(w.erp.handoffs()).toHaveLength(1)
  })
})

describe('FakeKv', () => {
  it('refuses a stale If-Match (the fake must be able to fail)', async () => {
    const kv = new FakeKv()
    await kv.put('a', 1)
    const got = await kv.get('a')
    await kv.put('a', 2)
    await expect(kv.put('a', 3, got?.etag ?? undefined)).rejects.toThrow('changed')
  })
})
