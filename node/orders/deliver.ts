/**
 * Drives an order's outbox: each ERP delivery the record owes is claimed, posted, and marked
 * done, in order (the hand-off before any status notification).
 *
 *   claim   record.pending = {deliveryId, by: me, until: now + claimMs}     (If-Match)
 *   post    POST {erpEndpoint}/orders with x-ponte-delivery-id              (one attempt)
 *   done    outbox entry → done ids, pending cleared                          (If-Match)
 *   failed  attempts + 1, lastError, pending cleared, backoff, claim again
 *
 * A live claim by another replica is waited for (up to claimWaitMs), then left to it: the
 * caller reports the work unfinished, so its carrier (feed item, inbox entry) stays and comes
 * back. A claim whose `until` passed is taken over: its owner died between claim and done, so
 * the ERP may already have the delivery. Such a delivery, and one whose earlier attempt failed
 * without a known outcome, and every hand-off (one per order, so one lookup per order), is
 * "unsure": before posting it, the ERP is asked whether it has it
 * (`GET {erpEndpoint}/orders/deliveries/{id}`, tuning `erpLookupBeforeRetry`); if it does, the
 * delivery is marked done without being sent again. Only an ERP that cannot answer the lookup
 * can still see an id twice (it answers the same id with 200 and counts a duplicate).
 */
import type { ErpDelivery } from '../clients/erp'
import type { OmsOrder } from '../clients/oms'
import { backoffMs } from '../lib/retry'
import type { OrdersDeps } from './deps'
import { pushLog } from './record'
import type { OrderRecord, OutboxEntry } from './store'
import { MAX_DONE } from './store'

export interface DriveResult {
  /** Deliveries this call got acknowledged. */
  delivered: number
  /** Nothing left in the outbox. */
  complete: boolean
  /** Why not complete. */
  reason?: string
}

const iso = (ms: number) => new Date(ms).toISOString()
let drives = 0

/** The next delivery owed, if any. */
export function nextDelivery(record: OrderRecord): OutboxEntry | null {
  return record.outbox.find((e) => !record.done.includes(e.deliveryId)) ?? null
}

export async function drive(deps: OrdersDeps, orderId: string, knownOrder?: OmsOrder | null, claimWaitMs?: number): Promise<DriveResult> {
  const { clock, settings, store } = deps
  // One identity per drive, not per replica: one replica may drive the same order twice at once
  // (the hook and the IO event of one change), and those two must exclude each other too.
  const owner = `${deps.owner}#${(++drives).toString(36)}${Math.floor(clock.random() * 1e9).toString(36)}`
  const tuning = settings.tuning
  let order = knownOrder ?? null
  let delivered = 0
  let failures = 0
  const waitUntil = clock.now() + (claimWaitMs ?? tuning.claimWaitMs)
  for (;;) {
    // Claim the next delivery.
    const claim = await store.update<{ entry: OutboxEntry | null; busy: boolean; unsure: boolean }>(orderId, ({ record }) => {
      const entry = nextDelivery(record)
      if (!entry) {
        // Drop a stale claim of ours, if any, and stop.
        const result = { entry: null, busy: false, unsure: false }
        return record.pending?.by === owner ? { write: { ...record, pending: null }, result } : { write: null, result }
      }
      const now = clock.now()
      const held = record.pending
      if (held && held.by !== owner && held.until > now) return { write: null, result: { entry, busy: true, unsure: false } }
      // Taking over an expired claim on this delivery, or retrying a failed attempt: the ERP may
      // have it. So may it have a hand-off: the record's first (blind) write can, under load,
      // replace a record another replica already handed off from (orders/README.md, creation).
      const unsure = (held !== null && held.by !== owner && held.deliveryId === entry.deliveryId) || entry.attempts > 0 || entry.kind === 'order'
      return { write: { ...record, pending: { deliveryId: entry.deliveryId, by: owner, until: now + tuning.claimMs } }, result: { entry, busy: false, unsure } }
    })
    if (!claim.entry) return { delivered, complete: true }
    if (claim.busy) {
      if (clock.now() >= waitUntil) return { delivered, complete: false, reason: 'claimed by another replica' }
      await clock.sleep(Math.min(250, Math.max(10, waitUntil - clock.now())))
      continue
    }
    const entry = claim.entry
    if (!settings.erpEndpoint) {
      await release(deps, owner, orderId, entry, 'erpEndpoint is not configured')
      return { delivered, complete: false, reason: 'erpEndpoint is not configured' }
    }
    // The order as VTEX serves it now (the hand-off carries the whole order).
    if (!order) {
      try {
        order = await deps.oms.getOrder(orderId)
      } catch (e) {
        await release(deps, owner, orderId, entry, `Get order failed: ${(e as Error).message}`)
        return { delivered, complete: false, reason: 'Get order failed' }
      }
    }
    if (claim.unsure && tuning.erpLookupBeforeRetry) {
      const known = await deps.erp.lookup(settings.erpEndpoint, settings.erpToken, entry.deliveryId)
      if (known === 'stored') {
        deps.logger.info({ message: 'orders: the ERP already had the delivery', orderId, deliveryId: entry.deliveryId })
        delivered += 1
        await markDone(deps, orderId, entry, order)
        continue
      }
    }
    const body: ErpDelivery = {
      deliveryId: entry.deliveryId,
      kind: entry.kind,
      orderId,
      status: entry.status,
      previousStatus: entry.previousStatus,
      changedAt: entry.changedAt,
      order,
    }
    const answer = await deps.erp.deliver(settings.erpEndpoint, settings.erpToken, body)
    if (answer.ok) {
      delivered += 1
      failures = 0
      await markDone(deps, orderId, entry, order)
      continue
    }
    failures += 1
    const why = answer.status === 0 ? `no answer (${answer.reason ?? 'network error'})` : `HTTP ${answer.status}`
    deps.logger.warn({ message: 'orders: ERP delivery failed', orderId, deliveryId: entry.deliveryId, attempt: failures, why })
    await release(deps, owner, orderId, entry, why)
    if (failures >= tuning.erpMaxAttempts) return { delivered, complete: false, reason: `ERP: ${why}` }
    await clock.sleep(
      backoffMs(failures, { ...retryShape, baseDelayMs: tuning.erpBaseDelayMs, maxDelayMs: tuning.erpMaxDelayMs }, () => clock.random())
    )
  }
}

const retryShape = { maxAttempts: 1, maxRateLimited: 0, baseDelayMs: 0, maxDelayMs: 0, defaultRetryAfterMs: 0, maxRetryAfterMs: 0 }

async function markDone(deps: OrdersDeps, orderId: string, entry: OutboxEntry, order: OmsOrder | null): Promise<void> {
  const at = iso(deps.clock.now())
  await deps.store.update(orderId, ({ record }) => {
    if (record.done.includes(entry.deliveryId)) {
      return record.pending?.deliveryId === entry.deliveryId ? { write: { ...record, pending: null }, result: undefined } : { write: null, result: undefined }
    }
    const done = [...record.done, entry.deliveryId]
    const next: OrderRecord = {
      ...record,
      outbox: record.outbox.filter((e) => e.deliveryId !== entry.deliveryId),
      done: done.length > MAX_DONE ? done.slice(done.length - MAX_DONE) : done,
      pending: record.pending?.deliveryId === entry.deliveryId ? null : record.pending,
    }
    if (entry.kind === 'order' && record.handoff) {
      next.handoff = { ...record.handoff, deliveredAt: at }
    }
    next.log = pushLog(record, {
      at,
      cause: entry.kind === 'order' ? 'handoff' : 'notified',
      status: entry.status,
      detail:
        entry.kind === 'order'
          ? `order handed off to the ERP (${entry.deliveryId}${order && typeof order.status === 'string' ? `, order JSON in ${order.status}` : ''})`
          : `ERP told of ${entry.status} (${entry.deliveryId})`,
    })
    return { write: next, result: undefined }
  })
}

async function release(deps: OrdersDeps, owner: string, orderId: string, entry: OutboxEntry, why: string): Promise<void> {
  await deps.store.update(orderId, ({ record }) => {
    const outbox = record.outbox.map((e) => (e.deliveryId === entry.deliveryId ? { ...e, attempts: e.attempts + 1, lastError: why.slice(0, 300) } : e))
    const pending = record.pending?.by === owner && record.pending.deliveryId === entry.deliveryId ? null : record.pending
    return { write: { ...record, outbox, pending }, result: undefined }
  })
}
