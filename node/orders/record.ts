/**
 * The order record's pure parts: the first OrderState built from Get order, the reconciliation
 * of Ponte's state with a fresh Get order, and the GraphQL view.
 */
import type { OmsOrder } from '../clients/oms'
import type { EventSource, OrderState } from './core'
import { emptyMemory, reconcileOrder, stateFromOrder as coreStateFromOrder } from './core'
import type { LogEntry, OrderRecord } from './store'
import { MAX_LOG } from './store'

/** Get order answered something that is not an order Ponte can track (the core's code). */
export const ORDER_DATA_INVALID = 'ORDER_DATA_INVALID'

/**
 * Ponte's OrderState from Get order, by the core (`state_from_order`): the complete flow (the
 * account sells and fulfils), the order's `value` as total, one line per `items[]` entry
 * (index = position, SKU `id`, `quantity`, unit `price` in cents); ORDER_DATA_INVALID when those
 * are not what an order needs. The status is left null: it comes from events, and from
 * {@link reconcile}.
 */
export function stateFromOrder(order: OmsOrder): OrderState {
  return coreStateFromOrder(order as unknown as Record<string, unknown>)
}

export function newRecord(order: OmsOrder, now: string, owner: string): OrderRecord {
  return {
    version: 1,
    orderId: order.orderId,
    createdAt: now,
    createdBy: owner,
    updatedAt: now,
    state: stateFromOrder(order),
    memory: emptyMemory(),
    handoff: null,
    handoffSkipped: null,
    outbox: [],
    done: [],
    pending: null,
    log: [],
  }
}

/**
 * Brings Ponte's state up to a fresh Get order, in one core call (`reconcileOrder` with a
 * source): value, items and invoices first ({@link reconcileWithOrder}), then the status. When
 * the status differs, Get order's status is folded in as a platform event dated Get order's
 * `lastChange`, so the core's rules decide (an older view never rolls a newer state back; a
 * status Ponte predicted from an accepted action yields only to platform news dated after it).
 * It appears in the timeline as an event of the channel that triggered the read (`source`).
 * Events remain what intake remembers: the real event for that change is still processed when
 * it arrives.
 */
export function reconcile(state: OrderState, order: OmsOrder, source: EventSource): OrderState {
  return reconcileOrder(state, order as unknown as Record<string, unknown>, source)
}

/**
 * Ponte's state with what Get order says the order is, in one core call (`reconcileOrder`):
 *
 * - **Value and items.** VTEX applies order modifications v2 asynchronously (202; the change may
 *   later be done, failed or canceled), and changes also come from the Admin or another
 *   integration, while Ponte folds an accepted change into its state at once. Get order's
 *   `value` and `items[]` therefore replace the state's total and lines when they are
 *   well-formed and the result is valid with the invoices Ponte holds (each invoiced line still
 *   there with the same SKU, enough units, a total covering the Output invoices); otherwise the
 *   state keeps its own, until a later Get order agrees. `changes` (the requestIds Ponte sent:
 *   the dedupe of changeOrder) are kept.
 * - **Invoices.** The packages Get order lists (`packageAttachment.packages`) that Ponte lacks are
 *   added: sent through Admin or another integration, or accepted by the OMS while the replica
 *   that sent them died before recording them. A package already known, malformed, or that would
 *   make the state inconsistent (unknown line, over a line's quantity or the total, a return over
 *   what was invoiced) is left out: the OMS has the last word anyway.
 *
 * Returns `state` itself when nothing changed, so callers can compare by identity.
 */
export function reconcileWithOrder(state: OrderState, order: OmsOrder): OrderState {
  const next = reconcileOrder(state, order)
  return sameOrder(state, next) ? state : next
}

/** Whether the core changed nothing: it only replaces total and items, and appends invoices. */
function sameOrder(a: OrderState, b: OrderState): boolean {
  if (a.total !== b.total || a.invoices.length !== b.invoices.length || a.items.length !== b.items.length) return false
  return a.items.every((x, i) => {
    const y = b.items[i]
    return x.index === y.index && x.id === y.id && x.quantity === y.quantity && x.price === y.price
  })
}

export function pushLog(record: OrderRecord, entry: LogEntry): LogEntry[] {
  const log = [...record.log, entry]
  return log.length > MAX_LOG ? log.slice(log.length - MAX_LOG) : log
}

/** GraphQL `OrderView`. */
export interface OrderView {
  orderId: string
  status: string | null
  value: string
  handedOffAt: string | null
  invoicedValue: string
  timeline: Array<{ at: string; status: string | null; cause: string; detail: string | null }>
}

export function toView(record: OrderRecord): OrderView {
  const state = record.state
  const invoiced = state.invoices.filter((i) => i.type === 'Output').reduce((a, i) => a + i.value, 0)
  const timeline: OrderView['timeline'] = state.timeline.map((e) => {
    if (e.cause.kind === 'event') {
      const from = e.cause.lastState ? `${e.cause.lastState} → ` : ''
      return {
        at: e.at,
        status: e.status,
        cause: `event:${e.cause.source}`,
        detail: `${from}${e.cause.state}${e.cause.applied ? '' : ' (recorded, not applied: older than the status known)'}`,
      }
    }
    return { at: e.at, status: e.status, cause: `action:${e.cause.action}`, detail: e.cause.detail || null }
  })
  for (const l of record.log) timeline.push({ at: l.at, status: l.status, cause: l.cause, detail: l.detail })
  timeline.sort((a, b) => (Date.parse(a.at) || 0) - (Date.parse(b.at) || 0))
  return {
    orderId: record.orderId,
    status: state.status,
    value: String(state.total),
    handedOffAt: record.handoff?.deliveredAt ?? null,
    invoicedValue: String(invoiced),
    timeline,
  }
}
