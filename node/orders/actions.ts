/**
 * The ERP's actions on an order (the GraphQL mutations): each one
 *
 * 1. reads the order record (created from Get order on first sight) and a fresh Get order, and
 *    reconciles Ponte's status with it (record.ts `reconcile`; in the timeline such a
 *    reconciliation shows as an event of source `feed`, the pull channel);
 * 2. checks every step with the core (checkOrderAction) **before any OMS call**: a refusal is a
 *    PonteError with the core's code and nothing reaches the OMS;
 * 3. calls the OMS; a refusal becomes `OMS_REFUSED` with `extensions.status` and `extensions.oms`
 *    (VTEX's body, verbatim); a 429 still refused after the client's Retry-After waits,
 *    `RATE_LIMITED`; 5xx or no answer, `OMS_UNAVAILABLE` (both retryable by the ERP);
 * 4. folds the accepted action into the record (applyOrderAction, If-Match, retried on 412 on
 *    the newer record). When the record moved on meanwhile so far that the core no longer takes
 *    the action (a platform event got there first), the record keeps the platform's word and
 *    the log notes the accepted action.
 *
 * The action's date is the OMS receipt's `date` when it has one, else the later of Ponte's
 * clock and Get order's `lastChange` (so that the core compares platform events and actions on
 * the OMS's clock).
 */
import type { OmsOrder, OmsReceipt } from '../clients/oms'
import { OmsError } from '../clients/oms'
import { PonteError } from '../lib/errors'
import type { Action, ActionOutcome, OrderState, WorkflowPolicy } from './core'
import { applyOrderAction, checkOrderAction, checkOrderId, foldAcceptedActions, instant } from './core'
import type { OrdersDeps } from './deps'
import type { OrderRecord } from './store'
import { freshOrder, loadOrCreate } from './intake'
import type { OrderView } from './record'
import { pushLog, reconcile, toView } from './record'

export const OMS_REFUSED = 'OMS_REFUSED'
export const OMS_UNAVAILABLE = 'OMS_UNAVAILABLE'
export const RATE_LIMITED = 'RATE_LIMITED'
export const TRACKING_INPUT_EMPTY = 'TRACKING_INPUT_EMPTY'

/** A PonteError with the OMS's status and body in `extensions`. */
export class OmsActionError extends PonteError {
  public override readonly extensions: { code: string; status: number; oms: unknown }

  constructor(code: string, message: string, status: number, oms: unknown) {
    super(code, message, code === OMS_REFUSED ? 'warn' : 'error')
    this.extensions = { code, status, oms }
  }
}

/** The OMS error as the ERP sees it. */
export function fromOms(e: unknown): unknown {
  if (!(e instanceof OmsError)) return e
  if (e.status === 429) return new OmsActionError(RATE_LIMITED, `the OMS kept answering 429 (${e.operation})`, 429, e.body)
  if (e.status === 0 || e.status >= 500) {
    return new OmsActionError(OMS_UNAVAILABLE, `the OMS could not answer ${e.operation}: ${e.status === 0 ? e.reason ?? 'no answer' : `HTTP ${e.status}`}`, e.status, e.body)
  }
  return new OmsActionError(OMS_REFUSED, `the OMS refused ${e.operation} with HTTP ${e.status}`, e.status, e.body)
}

/** An order id argument, checked by the core (ORDER_ID_INVALID). */
export { checkOrderId }

/** One OMS call of an action. */
export interface ActionStep {
  action: Action
  send: () => Promise<OmsReceipt | void>
}

export interface ActionResult {
  orderId: string
  action: string
  expectedStatus: string | null
  receipt: string | null
  date: string | null
  order: OrderView
}

export async function performAction(deps: OrdersDeps, rawOrderId: unknown, steps: ActionStep[]): Promise<ActionResult> {
  const orderId = checkOrderId(rawOrderId)
  const policy = deps.settings.policy
  let order: OmsOrder
  let state: OrderState
  let seen: number
  try {
    const loaded = await loadOrCreate(deps, orderId)
    order = loaded.fetched ?? (await freshOrder(deps, orderId))
    seen = loaded.record.state.timeline.length
    state = reconcile(loaded.record.state, order, 'feed')
  } catch (e) {
    throw fromOms(e)
  }
  // Every step checked before any OMS call, each on the state the previous one leads to.
  const nowIso = actionDate(deps, order, null)
  let probe = state
  for (const step of steps) {
    checkOrderAction(probe, step.action, policy)
    probe = applyOrderAction(probe, step.action, policy, nowIso).state
  }
  const outcomes: Array<{ action: Action; outcome: ActionOutcome | null; receipt: OmsReceipt | null; at: string }> = []
  for (const step of steps) {
    let receipt: OmsReceipt | null
    try {
      receipt = (await step.send()) ?? null
    } catch (e) {
      if (outcomes.length > 0) await save(deps, orderId, order, outcomes, { state, seen })
      throw fromOms(e)
    }
    outcomes.push({ action: step.action, outcome: null, receipt, at: actionDate(deps, order, receipt) })
  }
  const saved = await save(deps, orderId, order, outcomes, { state, seen })
  const last = outcomes[outcomes.length - 1]
  const outcome = saved.outcomes[saved.outcomes.length - 1] ?? checkOutcome(state, last.action, policy)
  return {
    orderId,
    action: outcomes.map((o) => o.action.action).join('+'),
    expectedStatus: outcome?.expectedStatus ?? saved.view.status,
    receipt: last.receipt?.receipt ?? null,
    date: last.receipt?.date ?? null,
    order: saved.view,
  }
}

function checkOutcome(state: OrderState, action: Action, policy: OrdersDeps['settings']['policy']): ActionOutcome | null {
  try {
    return checkOrderAction(state, action, policy)
  } catch {
    return null
  }
}

/** The receipt's date when ISO 8601, else max(now, Get order's lastChange). */
function actionDate(deps: OrdersDeps, order: OmsOrder, receipt: OmsReceipt | null): string {
  if (receipt?.date && !Number.isNaN(instant(receipt.date))) return receipt.date
  const now = deps.clock.now()
  const last = instant(order.lastChange ?? null)
  return new Date(Number.isNaN(last) ? now : Math.max(now, last + 1)).toISOString()
}

/**
 * The order's record with the accepted actions folded in, by the core (`foldAcceptedActions`;
 * `unfolded` names the actions the state no longer takes). The actions are applied to the state
 * they were checked on (`checked`): what the OMS did is what that state said it would do. Events
 * recorded meanwhile (often the very status change the action caused, arriving by hook or IO
 * event while the OMS call was answered) are folded in after them, in their order. Applying the
 * action on top of such an event instead would do it twice (a cancellation request would read as
 * its confirmation). When something else than events changed the record meanwhile (another
 * action, a pruned timeline), the actions are applied to the record as it is, reconciled with Get
 * order.
 */
export function foldAccepted(
  record: OrderRecord,
  order: OmsOrder,
  accepted: Array<{ action: Action; at: string }>,
  checked: { state: OrderState; seen: number },
  policy: OrdersDeps['settings']['policy']
): { state: OrderState; outcomes: ActionOutcome[]; unfolded: Array<{ action: Action; at: string; code: string }> } {
  const folded = foldAcceptedActions({
    current: record.state,
    checked: checked.state,
    seen: checked.seen,
    order: order as unknown as Record<string, unknown>,
    accepted: accepted.map((a) => ({ action: a.action, at: a.at })),
    policy: policy as WorkflowPolicy,
  })
  const unfolded = folded.unfolded.map((u) => ({ ...accepted[u.index], code: u.code }))
  return { state: folded.state, outcomes: folded.outcomes, unfolded }
}

async function save(
  deps: OrdersDeps,
  orderId: string,
  order: OmsOrder,
  accepted: Array<{ action: Action; receipt: OmsReceipt | null; at: string }>,
  checked: { state: OrderState; seen: number }
): Promise<{ outcomes: ActionOutcome[]; view: OrderView }> {
  const policy = deps.settings.policy
  return deps.store.update(orderId, ({ record }) => {
    const folded = foldAccepted(record, order, accepted, checked, policy)
    const state = folded.state
    let log = record.log
    for (const a of folded.unfolded) {
      log = pushLog({ ...record, log }, {
        at: a.at,
        cause: `action:${a.action.action}`,
        status: state.status,
        detail: `accepted by the OMS; not folded into Ponte's view, which had moved on (${a.code})`,
      })
    }
    const outcomes = folded.outcomes
    const next = { ...record, state, log }
    return { write: next, result: { outcomes, view: toView(next) } }
  })
}
