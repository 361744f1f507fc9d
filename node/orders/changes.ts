/**
 * Order changes through change v2 (`PATCH /api/order-system/orders/{orderId}/changes`, §A.9).
 * Change v1 (`POST /api/oms/pvt/orders/{orderId}/changes`) has been unsupported since
 * 2025-12-31 and deprecated since 2026-03-01, so Ponte no longer calls it.
 *
 * The core checks a change in its own terms (`ChangeOrder`: requestId, reason, discountValue,
 * incrementValue, itemsAdded, itemsRemoved); this module maps it to v2 and makes it happen once:
 *
 * - v2 takes **no idempotency key**: every PATCH is a new modification. The ERP's `requestId`
 *   therefore travels in the `reason`, as a marker at its end (`… [ponte:c-123]`), and Ponte
 *   reads the order's change history before each PATCH. A request already there is the answer
 *   (a retry of the mutation, another replica, a PATCH whose answer was lost). The shopper sees
 *   the reason in emails and My Account, marker included.
 * - A PATCH that got no answer or a 5xx may have been applied: the history is read once more
 *   before the error goes back to the ERP.
 * - v2 processes a change asynchronously (`202 Accepted`): the order's value and items move when
 *   VTEX has applied it. Ponte folds the change into its state when the OMS accepts it, as for
 *   the other actions; the next Get order then sets the value and lines to VTEX's (the core's
 *   `reconcile_order`), so until VTEX applies the change, or when it fails, Ponte checks
 *   invoices against what VTEX has. `orderChange` tells the ERP when the change is done.
 */
import type { OmsApi, OmsChangeRequest, OmsReceipt } from '../clients/oms'
import { OmsError } from '../clients/oms'
import { PonteError } from '../lib/errors'
import type { ChangeOrder } from './core'

/** `orderChange`'s changeRequestId is empty or longer than 100 characters. */
export const CHANGE_REQUEST_ID_INVALID = 'CHANGE_REQUEST_ID_INVALID'

/** The marker that carries the ERP's requestId in a v2 change's reason. */
export function changeMarker(requestId: string): string {
  return `[ponte:${requestId}]`
}

/** The v2 PATCH body for a change the core accepted. Values in cents. */
export function changeV2Body(change: ChangeOrder): Record<string, unknown> {
  const items = (list: ChangeOrder['itemsAdded']) => list.map((i) => ({ id: i.id, quantity: i.quantity, price: i.price }))
  const body: Record<string, unknown> = { reason: `${change.reason.trim()} ${changeMarker(change.requestId)}` }
  if (change.itemsAdded.length > 0) body.add = { items: items(change.itemsAdded) }
  if (change.itemsRemoved.length > 0) body.remove = { items: items(change.itemsRemoved) }
  if (change.discountValue > 0) body.manualDiscountValue = change.discountValue
  if (change.incrementValue > 0) body.manualIncrementValue = change.incrementValue
  return body
}

/** The request of the history that carries this requestId's marker, if any. */
export function findOwnChange(history: OmsChangeRequest[], requestId: string): OmsChangeRequest | null {
  const marker = changeMarker(requestId)
  return history.find((r) => typeof r.reason === 'string' && r.reason.trimEnd().endsWith(marker)) ?? null
}

const receiptOf = (orderId: string, r: OmsChangeRequest): OmsReceipt => ({ orderId, receipt: r.requestId, date: r.date ?? null })

/** Whether a failed PATCH may still have been applied. */
const unsure = (e: unknown) => e instanceof OmsError && (e.status === 0 || e.status >= 500)

/**
 * Sends a change once: the history first, the PATCH only when this requestId is not there, the
 * history again when the PATCH's fate is unknown. The receipt is VTEX's change requestId.
 */
export async function sendChange(oms: OmsApi, orderId: string, change: ChangeOrder): Promise<OmsReceipt> {
  const before = findOwnChange(await oms.listChanges(orderId), change.requestId)
  if (before) return receiptOf(orderId, before)
  try {
    return receiptOf(orderId, await oms.changeOrder(orderId, changeV2Body(change)))
  } catch (e) {
    if (!unsure(e)) throw e
    const after = findOwnChange(await oms.listChanges(orderId), change.requestId)
    if (after) return receiptOf(orderId, after)
    throw e
  }
}

/** `Query.orderChange`: a change request as VTEX reports it. */
export interface OrderChangeStatus {
  orderId: string
  changeRequestId: string
  status: string | null
  inProgress: boolean
  reason: string | null
  date: string | null
  errorCode: string | null
  errorMessage: string | null
}

const text = (v: unknown): string | null => (typeof v === 'string' ? v : null)

/** Where VTEX is with a change (v2 processes it asynchronously); null when VTEX does not know it. */
export async function changeStatus(oms: OmsApi, orderId: string, changeRequestId: unknown): Promise<OrderChangeStatus | null> {
  if (typeof changeRequestId !== 'string' || changeRequestId.trim() === '' || changeRequestId.length > 100) {
    throw new PonteError(CHANGE_REQUEST_ID_INVALID, 'changeRequestId must be the receipt changeOrder answered (1 to 100 characters)')
  }
  const change = await oms.getChange(orderId, changeRequestId)
  if (!change) return null
  const error = (typeof change.error === 'object' && change.error !== null ? change.error : {}) as Record<string, unknown>
  return {
    orderId,
    changeRequestId: change.requestId,
    status: text(change.status),
    inProgress: change.inProgress === true,
    reason: text(change.reason),
    date: text(change.date),
    errorCode: text(error.code),
    errorMessage: text(error.message),
  }
}
