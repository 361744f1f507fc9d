/**
 * The typed facade over ponte-core's orders module (WebAssembly): event intake (accept: parse
 * and filter; then one step per read: decide, fold, hand-off and deliveries), the ERP actions (check before the OMS
 * call, apply and fold after it), the first state from Get order and the reconciliation of the
 * order (value, items, invoices, status) with it, the status list, order id checks.
 *
 * Every function throws a {@link PonteError} whose code is the core's stable code
 * (`HOOK_PAYLOAD_INVALID`, `ORDER_NOT_READY_FOR_HANDLING`, ...); input that does not even
 * deserialize (a JSON type error in a state or action) becomes `ORDER_INPUT_MALFORMED`.
 */
import * as core from '../generated/ponte_wasm'
import type {
  AcceptEventRequest,
  AcceptEventResponse,
  ClaimRequest,
  ClaimResponse,
  Action,
  ActionOutcome,
  EventSource,
  EventStepRequest,
  EventStepResponse,
  FoldAcceptedRequest,
  FoldAcceptedResponse,
  IntakeMemory,
  OrderState,
  Status,
  WorkflowPolicy,
} from '../generated/ponte_wasm'
import { callCore } from '../lib/core'
import { PonteError } from '../lib/errors'

export type {
  AcceptedAction, AcceptEventRequest, AcceptEventResponse, Action, ActionKind, ActionOutcome, CancelRequest,
  ClaimIntent, ClaimRequest, ClaimResponse, DeliveryClaim,
  ChangeItem, ChangeOrder, Decision, Delivery, EventSource, EventStepRequest, EventStepResponse, EventWrite,
  IntakeFilter, IntakeMemory, InvoiceItem, OrderEvent, InvoiceRecord, InvoiceRequest, InvoiceType, OrderItem,
  OrderState, Status, TimelineEntry, TrackingEvent, TrackingEvents,
  TrackingUpdate, WorkflowPolicy
} from '../generated/ponte_wasm'

/** A state, action or memory that does not have the core's shape (a bug or corrupted storage). */
export const ORDER_INPUT_MALFORMED = 'ORDER_INPUT_MALFORMED'

/** Order data the core cannot deserialize: a caller's bug, logged as an error. */
const orderMalformed = (message: string) =>
  new PonteError(ORDER_INPUT_MALFORMED, `order data does not have the expected shape: ${message}`, 'error')

/** Every API status the core knows (§A.3) and its workflow rank, read from the core once. */
const STATUS_RANKS = callCore(() => core.order_statuses({}))

const statusNames = new Set<string>(STATUS_RANKS.map((s) => s.status))

/** Every API status, in workflow order (an intake filter with no status list of its own uses them all). */
export const allStatuses = (): Status[] => STATUS_RANKS.map((s) => s.status as Status)

/** Every status at or past `status` in the core's workflow rank (the hand-off's "at or past"). */
export function statusesFrom(status: Status): Status[] {
  const rank = STATUS_RANKS.find((s) => s.status === status)?.rank ?? 0
  return STATUS_RANKS.filter((s) => s.rank >= rank).map((s) => s.status as Status)
}

export function isStatus(name: unknown): name is Status {
  return typeof name === 'string' && statusNames.has(name)
}

/**
 * The body parsed and filtered by the core (`accept_event`), before anything is read or stored:
 * `ping`, `ignored` (the settings' filter refuses it), or `accepted` with the order id, the
 * dedupe key and the parsed event, which {@link eventStep} takes as it is (never parsed again).
 * A malformed body throws the core's code (HOOK_PAYLOAD_INVALID, FEED_ITEM_INVALID, ...).
 */
export function acceptEvent(request: AcceptEventRequest): AcceptEventResponse {
  return callCore(() => core.accept_order_event(request), { malformed: orderMalformed })
}

/**
 * One step of an accepted event (the core's `event_step`), one call per read: with the order's
 * intake memory it decides (`ignored`: filtered out, duplicate, stale; `read: order`: new, read a
 * fresh Get order); with `fold` (the record's state and hand-off and that Get order) it answers
 * the `write`: the new state and memory, the hand-off decided or skipped, log lines, ERP
 * deliveries owed.
 */
export function eventStep(request: EventStepRequest): EventStepResponse {
  return callCore(() => core.order_event_step(request), { malformed: orderMalformed })
}

/** Ponte's first state of an order from Get order (ORDER_DATA_INVALID when it is not an order Ponte can track). */
export function stateFromOrder(order: Record<string, unknown>): OrderState {
  return callCore(() => core.order_state_from_order({ order }), {
    malformed: orderMalformed,
    level: (code) => (code === 'ORDER_DATA_INVALID' ? 'error' : 'warn'),
  })
}

/** An order id argument: a string (or a number) of 1 to 64 letters, digits, - or _ (ORDER_ID_INVALID). */
export function checkOrderId(id: unknown): string {
  const text = typeof id === 'number' ? String(id) : typeof id === 'string' ? id : ''
  return callCore(() => core.check_order_id({ id: text }))
}

/**
 * The accepted actions folded into the record's state by the core (`fold_accepted`): on the
 * state they were checked on, then the events recorded since `seen`; when something else
 * changed the record meanwhile, on the record's state reconciled with Get order. `unfolded` are
 * the positions in `accepted` the state no longer takes, with their codes.
 */
export function foldAcceptedActions(request: FoldAcceptedRequest): FoldAcceptedResponse {
  return callCore(() => core.fold_accepted_actions(request), { malformed: orderMalformed })
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
 * 3. With `source` (the channel that triggered the read), Get order's status when it differs,
 *    as a platform event of that source dated `lastChange`, so the core's event rules decide.
 * `changes` (the requestIds Ponte sent) are kept. The core's `reconcile_order` documents each
 * rule. Throws only when `state` itself is invalid.
 */
export function reconcileOrder(state: OrderState, order: Record<string, unknown>, source?: EventSource): OrderState {
  return callCore(() => core.reconcile_order({ state, order, source: source ?? null }), { malformed: orderMalformed })
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

/**
 * The fenced claim rule of an ERP delivery (the core's `claim_delivery`): `take` answers the
 * claim to write (with a fence above every earlier one, `takeover` when it lapsed on someone
 * else), or `busy`; `renew` (before an ERP call) and `complete` (done, or a failed attempt)
 * answer `held` or the claim to write only while the record still holds the caller's fence,
 * else `fenced`: the caller must then neither write the record nor call the ERP.
 */
export function claimDelivery(request: ClaimRequest): ClaimResponse {
  return callCore(() => core.claim_order_delivery(request), { malformed: orderMalformed })
}

export const emptyMemory = (): IntakeMemory => ({ lastSeen: {}, seenKeys: [] })

/** Canonical comparison of two ISO 8601 instants (the core's Timestamps are canonical UTC). */
export function instant(value: string | null | undefined): number {
  if (!value) return Number.NaN
  // Date.parse keeps milliseconds only; VTEX sends 7 fractional digits. Enough to order changes
  // that are at least a millisecond apart, which is all the callers need.
  return Date.parse(value)
}

