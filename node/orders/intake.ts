/**
 * One intake for the three channels (hook, feed, IO event): {@link processEvent}. Every decision
 * is the core's (orders/core.ts), one call per read; this module does the IO.
 *
 * 1. The body alone (`acceptEvent`, the route's call for hook and IO events, whose result is
 *    handed over here so the body is parsed once): a malformed body throws the core's code; a
 *    ping, or a status the settings' filter refuses, ends here before anything is read or written.
 * 2. Read the order record (create it from a fresh Get order on first sight) and step with the
 *    parsed event and **this order's** intake memory (`eventStep`): duplicate → nothing
 *    is written; the outbox is still driven (a duplicate may be the redelivery of an event whose
 *    delivery was interrupted).
 * 3. New or stale (older than the newest seen: still owed to the ERP) → fresh Get order, step again with the record's state and hand-off: the core folds the
 *    event and Get order into the state, remembers the event, decides the hand-off (or skips it:
 *    first seen canceled/replaced) and the status notifications owed. All of it is one If-Match
 *    write (a 412 starts again from 2: the other writer may have handled this very event); this
 *    module stamps the dates and queues the deliveries not queued or delivered yet. When the
 *    record was just created from a Get order, 2 and 3 are one call.
 * 4. Drive the outbox (deliver.ts). The result says whether everything owed is acknowledged:
 *    only then may the carrier (feed handle, inbox entry) be released.
 */
import type { OmsOrder } from '../clients/oms'
import { PonteError } from '../lib/errors'
import type { AcceptEventResponse, Decision, EventSource, EventStepRequest, EventWrite, OrderEvent } from './core'
import { acceptEvent, eventStep } from './core'
import type { OrdersDeps } from './deps'
import { drive } from './deliver'
import { newRecord } from './record'
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

/** An event the core accepted: what {@link processEvent} continues with, without parsing again. */
export interface AcceptedEvent {
  orderId: string
  key: string
  event: OrderEvent
}

/** The first intake step of a body under the settings (parse and filter; nothing read): one core call. */
export function firstStep(deps: Pick<OrdersDeps, 'settings'>, source: EventSource, body: string): AcceptEventResponse {
  return acceptEvent({ source, body, filter: deps.settings.filter })
}

/**
 * Works on one event. `options.accepted` is the route's {@link firstStep} answer for this very
 * body (the hook's and IO event's background work), so the core does not parse it again.
 */
export async function processEvent(
  deps: OrdersDeps,
  source: EventSource,
  body: string,
  options: { claimWaitMs?: number; accepted?: AcceptedEvent } = {}
): Promise<ProcessResult> {
  const first: AcceptEventResponse = options.accepted ? { kind: 'accepted', ...options.accepted } : firstStep(deps, source, body)
  if (first.kind === 'ping') return { kind: 'ping' }
  if (first.kind === 'ignored') {
    return { kind: 'event', orderId: first.orderId, key: first.key, decision: first.decision, queued: [], delivered: 0, complete: true }
  }
  const { event, key } = first
  const orderId = first.orderId
  const { fetched } = await loadOrCreate(deps, orderId)
  let order: OmsOrder | null = fetched
  const outcome = await deps.store.update<{ decision: Decision; queued: string[] }>(orderId, async ({ record }) => {
    const request = (known: OmsOrder | null): EventStepRequest => ({
      event,
      memory: record.memory,
      handoffStatus: deps.settings.handoffStatus,
      fold: known
        ? {
            state: record.state,
            handoff: record.handoff ? { orderLastChange: record.handoff.orderLastChange } : null,
            handoffSkipped: record.handoffSkipped !== null,
            order: known as unknown as Record<string, unknown>,
          }
        : null,
    })
    // Get order already read (the record was just created from it): one step decides and folds.
    let step = eventStep(request(order))
    if (step.kind === 'read' && step.read === 'order') {
      order ??= await freshOrder(deps, orderId)
      step = eventStep(request(order))
    }
    if (step.kind === 'ignored') return { write: null, result: { decision: step.decision, queued: [] } }
    if (step.kind !== 'write') throw new Error(`orders: the intake step of ${orderId} answered ${step.kind}`)
    const next = written(record, step.write, new Date(deps.clock.now()).toISOString())
    return { write: next.record, result: { decision: 'new', queued: next.queued } }
  })
  if (outcome.decision !== 'new') deps.logger.info({ message: 'orders: event not acted on', orderId, source, decision: outcome.decision })
  const driven = await drive(deps, orderId, order, options.claimWaitMs)
  return {
    kind: 'event',
    orderId,
    key,
    decision: outcome.decision,
    queued: outcome.queued,
    delivered: driven.delivered,
    complete: driven.complete,
    ...(driven.reason ? { reason: driven.reason } : {}),
  }
}

/**
 * The record with what the core decided for a new event, dated `now`; the deliveries it owes are
 * queued unless already queued or delivered (by delivery id).
 */
export function written(record: OrderRecord, w: EventWrite, now: string): { record: OrderRecord; queued: string[] } {
  const next: OrderRecord = { ...record, state: w.state, memory: w.memory }
  if (w.handoff) {
    next.handoff = { deliveryId: w.handoff.deliveryId, decidedAt: now, status: w.handoff.status, orderLastChange: w.handoff.orderLastChange ?? null, deliveredAt: null }
  }
  if (w.handoffSkipped) next.handoffSkipped = { at: now, status: w.handoffSkipped.status, reason: w.handoffSkipped.reason }
  if (w.log.length > 0) next.log = [...record.log, ...w.log.map((l) => ({ at: now, cause: l.cause, status: l.status ?? null, detail: l.detail }))]
  const fresh: OutboxEntry[] = w.deliveries
    .filter((d) => !record.done.includes(d.deliveryId) && !record.outbox.some((e) => e.deliveryId === d.deliveryId))
    .map((d) => ({ deliveryId: d.deliveryId, kind: d.kind, status: d.status, previousStatus: d.previousStatus ?? null, changedAt: d.changedAt, createdAt: now, attempts: 0 }))
  // The hand-off first, then by change date: a transition heard late goes before the later
  // ones still owed (those already sent stay sent).
  const date = (e: OutboxEntry) => e.changedAt ?? ''
  next.outbox = [...record.outbox, ...fresh].sort((a, b) => Number(b.kind === 'order') - Number(a.kind === 'order') || (date(a) < date(b) ? -1 : date(a) > date(b) ? 1 : 0))
  return { record: next, queued: fresh.map((q) => q.deliveryId) }
}
