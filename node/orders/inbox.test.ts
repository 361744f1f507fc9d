/** Inbox fairness: oldest-first across all entries, failing entries to the back, poison to the dead-letter. */
import { bodies, testDeps, world } from '../test-support/fakeOrders'
import type { InboxEntry } from './inbox'
import { accept, inboxPaths, listDeadLetter, replayDeadLetter, resumeInboxCounts } from './inbox'
import { digest } from './store'

const RFH = '2024-03-01T10:00:00.0000000Z'
const orderId = (i: number) => `v${5000 + i}pnt-01`

/** An entry accepted `ageMs` ago (written as a dead replica left it). */
async function entryAged(w: ReturnType<typeof world>, key: string, body: string, ageMs: number) {
  const at = Date.now() - ageMs
  const path = inboxPaths.entry(key, at)
  const entry: InboxEntry = { key, source: 'hook', body, receivedAt: new Date(at).toISOString(), receivedBy: 'dead', path }
  await w.kv.put(path, entry)
  return path
}

const inbox = (w: ReturnType<typeof world>) => [...w.kv.files.keys()].filter((p) => p.startsWith('inbox/')).sort()

describe('resumeInbox', () => {
  it('resumes oldest first across all entries, beyond the first page and the batch', async () => {
    const w = world()
    // 260 entries (three listing pages); the 10 oldest are real orders, the rest pings.
    const order: string[] = []
    for (let i = 0; i < 260; i += 1) {
      const key = `k${i}`
      if (i < 10) {
        w.oms.addOrder({ orderId: orderId(i), status: 'ready-for-handling', lastChange: RFH })
        await entryAged(w, key, bodies(orderId(i), 'ready-for-handling', 'window-to-cancel', RFH).hook, 1_000_000 - i)
        order.push(orderId(i))
      } else {
        await entryAged(w, key, JSON.stringify({ hookConfig: 'ping' }), 1000 + i)
      }
    }
    const deps = testDeps(w, { tuning: { inboxResumeBatch: 10 } })
    const counts = await resumeInboxCounts(deps)
    expect(counts).toEqual({ resumed: 10, requeued: 0, deadLettered: 0 })
    // The ten oldest, in age order.
    expect(w.erp.handoffs().map((d) => d.orderId)).toEqual(order)
    expect(inbox(w)).toHaveLength(250)
    // The next pass goes on with the next oldest, until all are done.
    for (let pass = 0; pass < 30 && inbox(w).length > 0; pass += 1) await resumeInboxCounts(deps)
    expect(inbox(w)).toHaveLength(0)
  })

  it('moves a failing entry to the back, so 60 entries that keep failing never block the rest', async () => {
    const w = world()
    // 60 old entries of orders the OMS does not know (each try throws ORDER_NOT_FOUND), then one good.
    for (let i = 0; i < 60; i += 1) await entryAged(w, `bad${i}`, bodies(`v9${i}pnt-01`, 'ready-for-handling', 'window-to-cancel', RFH).hook, 100_000 - i)
    w.oms.addOrder({ orderId: orderId(1), status: 'ready-for-handling', lastChange: RFH })
    await entryAged(w, 'good', bodies(orderId(1), 'ready-for-handling', 'window-to-cancel', RFH).hook, 50_000)
    const deps = testDeps(w, { tuning: { inboxResumeBatch: 50, inboxRetryBaseMs: 60_000, inboxMaxFailures: 100 } })
    const first = await resumeInboxCounts(deps)
    expect(first).toEqual({ resumed: 0, requeued: 50, deadLettered: 0 })
    const second = await resumeInboxCounts(deps)
    // The 10 failing entries not yet tried, then the good one; the 50 requeued wait their backoff.
    expect(second).toEqual({ resumed: 1, requeued: 10, deadLettered: 0 })
    expect(w.erp.handoffs().map((d) => d.orderId)).toEqual([orderId(1)])
    const requeued = w.kv.json<InboxEntry>(inbox(w)[0])
    expect(requeued).toMatchObject({ attempts: 1, failures: 1, lastError: expect.stringContaining('ORDER_NOT_FOUND') })
    expect(inboxPaths.time(inbox(w)[0])).toBeGreaterThan(Date.now())
  })

  it('moves a poison entry to the dead-letter with its reason after inboxMaxFailures, oldest first; replay puts it back', async () => {
    const w = world()
    await entryAged(w, 'poison', '{"not": "a hook"}', 10_000)
    await entryAged(w, 'poison2', '{"OrderId": 3}', 9_000)
    const deps = testDeps(w, { tuning: { inboxMaxFailures: 3, inboxRetryBaseMs: 0 } })
    for (let i = 0; i < 2; i += 1) expect(await resumeInboxCounts(deps)).toEqual({ resumed: 0, requeued: 2, deadLettered: 0 })
    expect(await resumeInboxCounts(deps)).toEqual({ resumed: 0, requeued: 0, deadLettered: 2 })
    expect(inbox(w)).toHaveLength(0)
    const dead = await listDeadLetter(deps)
    expect(dead.map((d) => d.key)).toEqual(['poison', 'poison2'])
    expect(dead[0]).toMatchObject({ failures: 3, reason: expect.stringContaining('HOOK_PAYLOAD_INVALID'), body: '{"not": "a hook"}' })
    expect(dead[0].path).toContain(digest('poison'))
    expect(await replayDeadLetter(deps, 1)).toBe(1)
    expect(inbox(w)).toHaveLength(1)
    expect(w.kv.json<InboxEntry>(inbox(w)[0])).toMatchObject({ key: 'poison', failures: 0 })
    expect((await listDeadLetter(deps)).map((d) => d.key)).toEqual(['poison2'])
  })

  it('leaves entries not yet due, and one accepted just now is due after inboxResumeAfterMs', async () => {
    const w = world()
    w.oms.addOrder({ orderId: orderId(2), status: 'ready-for-handling', lastChange: RFH })
    const deps = testDeps(w, { tuning: { inboxResumeAfterMs: 60_000 } })
    await accept(deps, 'hook', 'fresh', bodies(orderId(2), 'ready-for-handling', 'window-to-cancel', RFH).hook)
    expect(await resumeInboxCounts(deps)).toEqual({ resumed: 0, requeued: 0, deadLettered: 0 })
    expect(w.erp.received).toHaveLength(0)
    // One listing page only: the scan stops at the first entry not due.
    expect(w.kv.pages).toBe(1)
  })
})
