/**
 * The typed facade over ponte-core's orders module (WebAssembly): event intake (parse, decide,
 * remember, fold), the ERP actions (check before the OMS call, apply after it) and the
 * reconciliation of the order (value, items, invoices) with Get order.
 *
 * Every function throws a {@link PonteError} whose code is the core's stable code
 * (`HOOK_PAYLOAD_INVALID`, `ORDER_NOT_READY_FOR_HANDLING`, ...); input that does not even
 * deserialize (a JSON type error in a state or action) becomes `ORDER_INPUT_MALFORMED`.
 */
import * as core from '../generated/ponte_wasm'
import type {
  Action,
  ActionOutcome,
  DecideEventResponse,
  EventSource,
  HookInput,
  IntakeFilter,
  IntakeMemory,
  OrderEvent,
  OrderState,
  Status,
  WorkflowPolicy,
} from '../generated/ponte_wasm'
import { callCore } from '../lib/core'
import { PonteError } from '../lib/errors'

export type {
  Action, ActionKind, ActionOutcome, CancelRequest, ChangeItem, ChangeOrder, DecideEventResponse,
  Decision, EventSource, HookInput, IntakeFilter, IntakeMemory, InvoiceItem, InvoiceRecord,
  InvoiceRequest, InvoiceType, OrderEvent, OrderItem, OrderState, Status, TimelineEntry,
  TrackingEvent, TrackingEvents, TrackingUpdate, WorkflowPolicy
} from '../generated/ponte_wasm'

/** A state, action or memory that does not have the core's shape (a bug or corrupted storage). */
export const ORDER_INPUT_MALFORMED = 'ORDER_INPUT_MALFORMED'

/** Order data the core cannot deserialize: a caller's bug, logged as an error. */
const orderMalformed = (message: string) =>
  new PonteError(ORDER_INPUT_MALFORMED, `order data does not have the expected shape: ${message}`, 'error')

/** Every API status the core knows (§A.3), in the core's rank order where ranks differ. */
export const STATUSES: readonly Status[] = [
  'order-created',
  'order-create-error',
  'order-creation-error',
  'order-accepted',
  'on-order-completed',
  'on-order-completed-ffm',
  'waiting-for-authorization',
  'waiting-for-order-authorization',
  'payment-pending',
  'approve-payment',
  'payment-approved',
  'window-to-change-payment',
  'window-to-change-seller',
  'waiting-ffmt-authorization',
  'waiting-for-manual-authorization',
  'waiting-for-mkt-authorization',
  'waiting-seller-handling',
  'authorize-fulfillment',
  'release-to-fulfillment',
  'window-to-cancel',
  'ready-for-handling',
  'start-handling',
  'handling',
  'waiting-for-fulfillment',
  'ready-for-invoicing',
  'invoice-after-cancellation-deny',
  'cancellation-request-denied-ffm',
  'invoice',
  'request-cancel',
  'cancellation-requested',
  'waiting-for-seller-decision',
  'cancel',
  'invoiced',
  'replaced',
  'canceled',
]

export function isStatus(name: unknown): name is Status {
  return typeof name === 'string' && (STATUSES as readonly string[]).includes(name)
}

/** Parses a Feed v3 item, a Hook body (or its ping) or an IO event body. */
export function parseOrderEvent(source: EventSource, body: string): HookInput {
  return callCore(() => core.parse_order_event({ source, body }), { malformed: orderMalformed })
}

/** An event's dedupe key, as the core's `OrderEvent::key` writes it (`decideOrderEvent` answers the same). */
export function eventKey(e: OrderEvent): string {
  return `${e.orderId}/${e.domain}/${e.state}/${e.currentChange}`
}

/** Parses and decides (new, duplicate, stale, filtered out) against one order's memory. */
export function decideOrderEvent(
  source: EventSource,
  body: string,
  memory: IntakeMemory,
  filter?: IntakeFilter | null
): DecideEventResponse {
  return callCore(() => core.decide_order_event({ source, body, memory, filter: filter ?? null }), { malformed: orderMalformed })
}

export function rememberOrderEvent(memory: IntakeMemory, event: OrderEvent): IntakeMemory {
  return callCore(() => core.remember_order_event({ memory, event }), { malformed: orderMalformed })
}

export function applyOrderEvent(state: OrderState, event: OrderEvent): OrderState {
  return callCore(() => core.apply_order_event({ state, event }), { malformed: orderMalformed })
}

/**
 * The state brought up to Get order (`order` is the whole Get order JSON), in one core call:
 * 1. Get order's `value` (total, cents) and `items[]` (index = position, SKU `id`, `quantity`,
 *    unit `price` in cents) replace the state's when they are well-formed and the result is
 *    valid with the invoices the state holds (lines still there with the same SKU, units and
 *    total still covering the Output invoices); otherwise the state's stay. VTEX applies
 *    changes asynchronously and has the last word; Ponte never stores an invalid state.
 * 2. The invoices Get order lists (`packageAttachment.packages`) that the state lacks are added;
 *    a package known, malformed or inconsistent with the state is skipped.
 * `changes` (the requestIds Ponte sent) are kept. The core's `reconcile_order` documents each
 * rule. Throws only when `state` itself is invalid.
 */
export function reconcileOrder(state: OrderState, order: Record<string, unknown>): OrderState {
  return callCore(() => core.reconcile_order({ state, order }), { malformed: orderMalformed })
}

export function checkOrderAction(state: OrderState, action: Action, policy: Partial<WorkflowPolicy>): ActionOutcome {
  return callCore(() => core.check_order_action({ state, action, policy: policy as WorkflowPolicy }), { malformed: orderMalformed })
}

export function applyOrderAction(
  state: OrderState,
  action: Action,
  policy: Partial<WorkflowPolicy>,
  now: string
): { state: OrderState; outcome: ActionOutcome } {
  return callCore(() => core.apply_order_action({ state, action, policy: policy as WorkflowPolicy, now }), { malformed: orderMalformed })
}

export const emptyMemory = (): IntakeMemory => ({ lastSeen: {}, seenKeys: [] })

const ranks = new Map<string, number>()

/**
 * The core's workflow rank of a status (`Status::rank`: later steps rank higher; 0 for a name
 * VTEX does not document). Read from the core once per status: the rank of a folded event's
 * position is exactly this number.
 */
export function statusRank(status: string): number {
  const known = ranks.get(status)
  if (known !== undefined) return known
  let rank = 0
  if (isStatus(status)) {
    const probe: OrderState = {
      orderId: 'rank-probe-01',
      flow: 'complete',
      status: null,
      statusSource: 'platform',
      total: 0,
      items: [],
      invoices: [],
      changes: [],
      timeline: [],
    }
    const event: OrderEvent = {
      orderId: 'rank-probe-01',
      domain: 'Fulfillment',
      state: status,
      currentChange: '2000-01-01T00:00:00Z',
      source: 'hook',
    }
    rank = applyOrderEvent(probe, event).lastEvent?.rank ?? 0
  }
  ranks.set(status, rank)
  return rank
}

/** Canonical comparison of two ISO 8601 instants (the core's Timestamps are canonical UTC). */
export function instant(value: string | null | undefined): number {
  if (!value) return Number.NaN
  // Date.parse keeps milliseconds only; VTEX sends 7 fractional digits. Enough to order changes
  // that are at least a millisecond apart, which is all the callers need.
  return Date.parse(value)
}

