/**
 * One intake for the three channels (hook, feed, IO event): {@link processEvent}.
 *
 * 1. Parse (the core; a malformed body throws its code).
 * 2. Read the order record (create it from a fresh Get order on first sight).
 * 3. Decide with the core against **this order's** intake memory and the settings' filter:
 *    ping / duplicate / stale / filtered out → nothing is written; the outbox is still driven
 *    (a duplicate may be the redelivery of an event whose delivery was interrupted).
 * 4. New → fresh Get order, fold the event (applyOrderEvent), reconcile with Get order's status,
 *    remember the event, and put what the ERP is owed in the outbox — all in one If-Match write
 *    (a 412 starts again from 2: the other writer may have handled this very event).
 *      - hand-off (`{orderId}:order`): the first time the order is at or past `handoffStatus`
 *        (the core's workflow rank), unless it is canceled/replaced: then it is recorded as
 *        skipped and never handed off;
 *      - status (`{orderId}:status:{state}:{currentChange}`): a new event of an order already
 *        handed off, dated after the Get order the hand-off was decided on.
 * 5. Drive the outbox (deliver.ts). The result says whether everything owed is acknowledged:
 *    only then may the carrier (feed handle, inbox entry) be released.
 */
import type { OmsOrder } from '../clients/oms'
import { PonteError } from '../lib/errors'
import type { Decision, EventSource, IntakeFilter, OrderEvent, OrderState } from './core'
import { applyOrderEvent, decideOrderEvent, eventKey, instant, parseOrderEvent, rememberOrderEvent, statusRank } from './core'
import type { OrdersDeps } from './deps'
import { drive } from './deliver'
import { newRecord, reconcile } from './record'
import type { OrderRecord, OutboxEntry } from './store'

/** Get order answered 404 for an event's order. */
export const ORDER_NOT_FOUND = 'ORDER_NOT_FOUND'

export type ProcessResult =
  | { kind: 'ping' }
  | {
      kind: 'event'
      orderId: string
      key: string
      decision: Decision
      /** Deliveries added to the outbox by this event. */
      queued: string[]
      delivered: number
      /** Everything the order owes the ERP is acknowledged. */
      complete: boolean
      reason?: string
    }

const TERMINAL_BEFORE_HANDOFF = new Set(['cancel', 'canceled', 'replaced'])

/** Fresh Get order; 404 → ORDER_NOT_FOUND (the event is kept by its carrier and comes back). */
export async function freshOrder(deps: OrdersDeps, orderId: string): Promise<OmsOrder> {
  const order = await deps.oms.getOrder(orderId)
  if (!order) throw new PonteError(ORDER_NOT_FOUND, `the OMS does not know order ${orderId}`)
  return order
}

/** The record of an order, created from Get order when Ponte sees it for the first time. */
export async function loadOrCreate(deps: OrdersDeps, orderId: string): Promise<{ record: OrderRecord; fetched: OmsOrder | null }> {
  const loaded = await deps.store.read(orderId)
  if (loaded) return { record: loaded.record, fetched: null }
  const order = await freshOrder(deps, orderId)
  const created = await deps.store.create(newRecord(order, new Date(deps.clock.now()).toISOString(), deps.owner))
  return { record: created.record, fetched: order }
}

/**
 * Whether the settings' intake filter (FromWorkflow) refuses this status. Checked before anything
 * is read or written: IO events carry every status of every order, and most are of no interest.
 */
export function filteredOut(filter: IntakeFilter | null, state: string): boolean {
  return filter !== null && filter.type === 'FromWorkflow' && !filter.status.includes(state)
}

export async function processEvent(
  deps: OrdersDeps,
  source: EventSource,
  body: string,
  options: { claimWaitMs?: number } = {}
): Promise<ProcessResult> {
  const parsed = parseOrderEvent(source, body)
  if (parsed.kind === 'ping') return { kind: 'ping' }
  const orderId = parsed.event.orderId
  if (filteredOut(deps.settings.filter, parsed.event.state)) {
    const key = eventKey(parsed.event)
    return { kind: 'event', orderId, key, decision: 'filteredOut', queued: [], delivered: 0, complete: true }
  }
  const { fetched } = await loadOrCreate(deps, orderId)
  let order: OmsOrder | null = fetched
  const outcome = await deps.store.update<{ decision: Decision; key: string; queued: string[] }>(orderId, async ({ record }) => {
    const decided = decideOrderEvent(source, body, record.memory, deps.settings.filter)
    if (decided.kind === 'ping') return { write: null, result: { decision: 'duplicate', key: '', queued: [] } }
    if (decided.decision !== 'new') return { write: null, result: { decision: decided.decision, key: decided.key, queued: [] } }
    order ??= await freshOrder(deps, orderId)
    const next = fold(deps, record, decided.event, order, source)
    return { write: next.record, result: { decision: 'new', key: decided.key, queued: next.queued } }
  })
  if (outcome.decision !== 'new') deps.logger.info({ message: 'orders: event not acted on', orderId, source, decision: outcome.decision })
  const driven = await drive(deps, orderId, order, options.claimWaitMs)
  return {
    kind: 'event',
    orderId,
    key: outcome.key,
    decision: outcome.decision,
    queued: outcome.queued,
    delivered: driven.delivered,
    complete: driven.complete,
    ...(driven.reason ? { reason: driven.reason } : {}),
  }
}

/** The record with a new event folded in, and the deliveries it owes (pure but for the clock). */
export function fold(
  deps: Pick<OrdersDeps, 'settings' | 'clock'>,
  record: OrderRecord,
  event: OrderEvent,
  order: OmsOrder,
  source: EventSource
): { record: OrderRecord; queued: string[] } {
  const now = new Date(deps.clock.now()).toISOString()
  const before: OrderState = record.state
  let state = applyOrderEvent(before, event)
  state = reconcile(state, order, source)
  const memory = rememberOrderEvent(record.memory, event)
  const next: OrderRecord = { ...record, state, memory }
  const queued: OutboxEntry[] = []
  const status = state.status
  if (!record.handoff && !record.handoffSkipped && status !== null) {
    if (TERMINAL_BEFORE_HANDOFF.has(status)) {
      next.handoffSkipped = { at: now, status, reason: `first seen ${status} before any hand-off` }
      next.log = [...record.log, { at: now, cause: 'handoffSkipped', status, detail: `not handed off: the order was ${status} before reaching ${deps.settings.handoffStatus}` }]
    } else if (statusRank(status) >= statusRank(deps.settings.handoffStatus)) {
      const deliveryId = `${record.orderId}:order`
      next.handoff = {
        deliveryId,
        decidedAt: now,
        status,
        orderLastChange: typeof order.lastChange === 'string' ? order.lastChange : null,
        deliveredAt: null,
      }
      queued.push({
        deliveryId,
        kind: 'order',
        status,
        previousStatus: before.status,
        changedAt: state.lastEvent?.change ?? event.currentChange,
        createdAt: now,
        attempts: 0,
      })
    }
  } else if (record.handoff) {
    const after = instant(event.currentChange)
    const base = instant(record.handoff.orderLastChange)
    if (Number.isNaN(base) || !(after <= base)) {
      queued.push({
        deliveryId: `${record.orderId}:status:${event.state}:${event.currentChange}`,
        kind: 'status',
        status: event.state,
        previousStatus: event.lastState ?? null,
        changedAt: event.currentChange,
        createdAt: now,
        attempts: 0,
      })
    }
  }
  const fresh = queued.filter((q) => !record.done.includes(q.deliveryId) && !record.outbox.some((e) => e.deliveryId === q.deliveryId))
  next.outbox = [...record.outbox, ...fresh]
  return { record: next, queued: fresh.map((q) => q.deliveryId) }
}
