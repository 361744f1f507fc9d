/**
 * Drives an order's outbox: each ERP delivery the record owes is claimed, posted, and marked
 * done, in order (the hand-off before any status notification).
 *
 *   claim   record.pending = {deliveryId, by: me, until: now + claimMs, fence} (If-Match)
 *   renew   before each ERP call the claim would not cover (erpTimeoutMs + clockSkewMs left)
 *   post    POST {erpEndpoint}/orders with x-ponte-delivery-id, x-ponte-fence (one attempt)
 *   done    outbox entry → done ids, pending cleared                          (If-Match)
 *   failed  attempts + 1, lastError, pending cleared, backoff, claim again
 *
 * Fencing (the core's claim rule, `claimDelivery`): each claim carries a fence above every
 * earlier one; renew, done and failed write only while the record still holds this drive's
 * fence, and the ERP refuses a POST whose fence is lower than one it has seen (409). A drive
 * whose claim was taken over (it stalled past `until`) therefore stops: it neither completes
 * nor overwrites anything, and its late POST is refused once the new holder looked it up.
 *
 * A live claim by another replica is waited for (up to claimWaitMs), then left to it: the
 * caller reports the work unfinished, so its carrier (feed item, inbox entry) stays and comes
 * back. A claim whose `until` passed is taken over: its owner died between claim and done, so
 * the ERP may already have the delivery; so may it after a failed attempt, or when a late blind
 * create replaced the record (README, creation). So before posting, every delivery is looked up
 * at the ERP with the claim's fence (`GET {erpEndpoint}/orders/deliveries/{id}`, tuning
 * `erpLookupBeforeRetry`); if the ERP has it, it is marked done without being sent again. With
 * the ERP's fence check, two POSTs of one delivery are then never both accepted
 * (crates/harness/tests/order_claims.rs); only an ERP that cannot answer the lookup can still
 * see an id twice (it answers the same id with 200 and counts a duplicate).
 */
import type { ErpDelivery } from '../clients/erp'
import { FENCED_STATUS } from '../clients/erp'
import type { OmsOrder } from '../clients/oms'
import { faultPoint } from '../lib/faults'
import { backoffMs } from '../lib/retry'
import type { ClaimIntent, ClaimRequest } from './core'
import { claimDelivery } from './core'
import type { OrdersDeps } from './deps'
import type { OrdersTuning } from './settings'
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
  // The low part of this drive's fences (the core's claim rule): two drives taking claims in the
  // same millisecond on two versions of a record issue different fences unless their salts match.
  const salt = Math.floor(clock.random() * 1024) % 1024
  const tuning = settings.tuning
  let order = knownOrder ?? null
  let delivered = 0
  let failures = 0
  const waitUntil = clock.now() + (claimWaitMs ?? tuning.claimWaitMs)
  const lost = { delivered, complete: false, reason: 'claim taken over' }
  for (;;) {
    // Claim the next delivery (the core's claim rule: a fence above every earlier one).
    const claim = await store.update<{ entry: OutboxEntry | null; busy: boolean; unsure: boolean; fence: number }>(orderId, ({ record }) => {
      const entry = nextDelivery(record)
      if (!entry) {
        // Drop a stale claim of ours, if any, and stop.
        const result = { entry: null, busy: false, unsure: false, fence: 0 }
        return record.pending?.by === owner ? { write: { ...record, pending: null }, result } : { write: null, result }
      }
      const answer = claimDelivery({ ...claimRequest(record, 'take', entry.deliveryId, owner, null, clock.now(), tuning), salt })
      if (answer.kind !== 'write') return { write: null, result: { entry, busy: true, unsure: false, fence: 0 } }
      // Whether the ERP may have it already: a lapsed claim taken over, a failed attempt, or a
      // record replaced by a late blind create (orders/README.md, creation) that owes again what
      // was delivered. Every delivery is looked up (with the fence) before its POST, so the ERP
      // accepts each once (crates/harness/tests/order_claims.rs); `unsure` is only logged.
      const unsure = answer.takeover || entry.attempts > 0
      return {
        write: { ...record, pending: answer.pending, fence: answer.fence },
        result: { entry, busy: false, unsure, fence: answer.pending.fence },
      }
    })
    if (!claim.entry) return { delivered, complete: true }
    if (claim.busy) {
      if (clock.now() >= waitUntil) return { delivered, complete: false, reason: 'claimed by another replica' }
      await clock.sleep(Math.min(250, Math.max(10, waitUntil - clock.now())))
      continue
    }
    const entry = claim.entry
    const fence = claim.fence
    faultPoint('after-claim')
    if (!settings.erpEndpoint) {
      await release(deps, owner, fence, orderId, entry, 'erpEndpoint is not configured')
      return { delivered, complete: false, reason: 'erpEndpoint is not configured' }
    }
    // The order as VTEX serves it now (the hand-off carries the whole order).
    if (!order) {
      try {
        order = await deps.oms.getOrder(orderId)
      } catch (e) {
        await release(deps, owner, fence, orderId, entry, `Get order failed: ${(e as Error).message}`)
        return { delivered, complete: false, reason: 'Get order failed' }
      }
    }
    if (tuning.erpLookupBeforeRetry) {
      if (!(await renew(deps, owner, fence, orderId, entry))) return { ...lost, delivered }
      const known = await deps.erp.lookup(settings.erpEndpoint, settings.erpToken, entry.deliveryId, fence)
      if (known === 'stored') {
        deps.logger.info({ message: 'orders: the ERP already had the delivery', orderId, deliveryId: entry.deliveryId, retried: claim.unsure })
        if (!(await afterDelivered(deps, owner, fence, orderId, entry, order))) return { ...lost, delivered }
        if (!(await markDone(deps, owner, fence, orderId, entry, order))) return { ...lost, delivered }
        delivered += 1
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
    // The claim must cover the whole POST: renewed first when it would not.
    if (!(await renew(deps, owner, fence, orderId, entry))) return { ...lost, delivered }
    const answer = await deps.erp.deliver(settings.erpEndpoint, settings.erpToken, body, fence)
    if (answer.ok) {
      faultPoint('after-erp-post')
      failures = 0
      if (!(await afterDelivered(deps, owner, fence, orderId, entry, order))) return { ...lost, delivered }
      if (!(await markDone(deps, owner, fence, orderId, entry, order))) return { ...lost, delivered }
      delivered += 1
      continue
    }
    if (answer.status === FENCED_STATUS) {
      // The ERP has seen a higher fence for this delivery: another replica holds it now.
      deps.logger.warn({ message: 'orders: the ERP refused a fenced delivery', orderId, deliveryId: entry.deliveryId })
      return { delivered, complete: false, reason: 'fenced by the ERP' }
    }
    failures += 1
    const why = answer.status === 0 ? `no answer (${answer.reason ?? 'network error'})` : `HTTP ${answer.status}`
    deps.logger.warn({ message: 'orders: ERP delivery failed', orderId, deliveryId: entry.deliveryId, attempt: failures, why })
    if (!(await release(deps, owner, fence, orderId, entry, why))) return { ...lost, delivered }
    if (failures >= tuning.erpMaxAttempts) return { delivered, complete: false, reason: `ERP: ${why}` }
    await clock.sleep(
      backoffMs(failures, { ...retryShape, baseDelayMs: tuning.erpBaseDelayMs, maxDelayMs: tuning.erpMaxDelayMs }, () => clock.random())
    )
  }
}

const retryShape = { maxAttempts: 1, maxRateLimited: 0, baseDelayMs: 0, maxDelayMs: 0, defaultRetryAfterMs: 0, maxRetryAfterMs: 0 }

function claimRequest(
  record: OrderRecord,
  intent: ClaimIntent,
  deliveryId: string,
  owner: string,
  held: number | null,
  now: number,
  tuning: OrdersTuning
): ClaimRequest {
  const pending = record.pending ? { ...record.pending, fence: record.pending.fence ?? 0 } : null
  return {
    intent,
    pending,
    fence: record.fence ?? 0,
    deliveryId,
    owner,
    held,
    now: Math.max(0, Math.floor(now)),
    claimMs: tuning.claimMs,
    // Before an ERP call: the call's timeout, plus the clocks' skew (others judge the claim's
    // end by their own clocks).
    needMs: tuning.erpTimeoutMs + tuning.clockSkewMs,
    salt: 0,
  }
}

/** Keeps the claim for the next ERP call (one If-Match write when it would lapse during it); false when it was lost. */
async function renew(deps: OrdersDeps, owner: string, fence: number, orderId: string, entry: OutboxEntry): Promise<boolean> {
  return deps.store.update(orderId, ({ record }) => {
    const answer = claimDelivery(claimRequest(record, 'renew', entry.deliveryId, owner, fence, deps.clock.now(), deps.settings.tuning))
    if (answer.kind === 'write') return { write: { ...record, pending: answer.pending, fence: answer.fence }, result: true }
    return { write: null, result: answer.kind === 'held' }
  })
}

/**
 * What follows the ERP's receipt of a delivery, before it is marked done: after an `invoiced`
 * notice, the stock refresh (deps.afterInvoiced), under a renewed claim since it calls the ERP.
 * A failure is logged, never blocks the delivery; a crash before done runs it again (idempotent:
 * a count not newer than VTEX's is skipped). False when the claim was lost.
 */
async function afterDelivered(deps: OrdersDeps, owner: string, fence: number, orderId: string, entry: OutboxEntry, order: OmsOrder | null): Promise<boolean> {
  if (!deps.afterInvoiced || !order || entry.kind !== 'status' || entry.status !== 'invoiced') return true
  if (!(await renew(deps, owner, fence, orderId, entry))) return false
  try {
    await deps.afterInvoiced(orderId, order)
  } catch (e) {
    deps.logger.warn({ message: 'orders: stock refresh after invoice failed', orderId, why: (e as Error).name })
  }
  return true
}

/** Whether the record still holds this drive's claim (the core's `complete`). */
function holds(deps: OrdersDeps, record: OrderRecord, owner: string, fence: number, deliveryId: string): boolean {
  return claimDelivery(claimRequest(record, 'complete', deliveryId, owner, fence, deps.clock.now(), deps.settings.tuning)).kind === 'held'
}

/**
 * Marks the delivery done and clears the claim, only while the record holds this drive's fence;
 * false when it does not (the new holder looks the delivery up at the ERP and finishes it).
 */
async function markDone(deps: OrdersDeps, owner: string, fence: number, orderId: string, entry: OutboxEntry, order: OmsOrder | null): Promise<boolean> {
  const at = iso(deps.clock.now())
  return deps.store.update(orderId, ({ record }) => {
    if (!holds(deps, record, owner, fence, entry.deliveryId)) return { write: null, result: false }
    if (record.done.includes(entry.deliveryId)) return { write: { ...record, pending: null }, result: true }
    const done = [...record.done, entry.deliveryId]
    const next: OrderRecord = {
      ...record,
      outbox: record.outbox.filter((e) => e.deliveryId !== entry.deliveryId),
      done: done.length > MAX_DONE ? done.slice(done.length - MAX_DONE) : done,
      pending: null,
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
    return { write: next, result: true }
  })
}

/** Records a failed attempt and lets the claim go, only while the record holds this drive's fence. */
async function release(deps: OrdersDeps, owner: string, fence: number, orderId: string, entry: OutboxEntry, why: string): Promise<boolean> {
  return deps.store.update(orderId, ({ record }) => {
    if (!holds(deps, record, owner, fence, entry.deliveryId)) return { write: null, result: false }
    const outbox = record.outbox.map((e) => (e.deliveryId === entry.deliveryId ? { ...e, attempts: e.attempts + 1, lastError: why.slice(0, 300) } : e))
    return { write: { ...record, outbox, pending: null }, result: true }
  })
}
