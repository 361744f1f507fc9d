/**
 * The ERP's order mutations (all behind @requiresPerson ADMIN, app keys allowed): startHandling,
 * invoiceOrder, cancelOrder, updateTracking, changeOrder. The work is in orders/actions.ts; this
 * file maps GraphQL inputs to the core's actions and VTEX's request bodies.
 */
import type { Context } from '../../clients'
import { PonteError } from '../../lib/errors'
import type { Action, ChangeItem, ChangeOrder, InvoiceRequest, TrackingEvents, TrackingUpdate } from '../../orders/core'
import type { ActionStep } from '../../orders/actions'
import { checkOrderId, performAction, TRACKING_INPUT_EMPTY } from '../../orders/actions'
import { sendChange } from '../../orders/changes'
import { ordersDepsProvider } from '../../orders/deps'
import { configureIntake } from '../../orders/setup'

interface InvoiceItemInput {
  id: string
  price: number
  quantity: number
  description?: string | null
}

interface InvoiceInput {
  type: 'OUTPUT' | 'INPUT'
  invoiceNumber: string
  invoiceValue: string
  issuanceDate: string
  items: InvoiceItemInput[]
  invoiceKey?: string | null
  invoiceUrl?: string | null
  courier?: string | null
  trackingNumber?: string | null
  trackingUrl?: string | null
  dispatchedDate?: string | null
}

interface TrackingInput {
  trackingNumber: string
  trackingUrl?: string | null
  courier?: string | null
  dispatchedDate?: string | null
}

interface TrackingEventsInput {
  isDelivered: boolean
  deliveredDate?: string | null
  events: Array<{ city?: string | null; state?: string | null; description?: string | null; date?: string | null }>
}

interface ChangeOrderInput {
  requestId: string
  reason: string
  discountValue?: number | null
  incrementValue?: number | null
  itemsAdded?: ChangeItem[] | null
  itemsRemoved?: ChangeItem[] | null
}

/** The named members of `input`, each null when absent (the core's optional fields are `T | null`). */
function orNull<T extends object, K extends keyof T>(input: T, keys: K[]): { [P in K]: Exclude<T[P], undefined> | null } {
  return Object.fromEntries(keys.map((k) => [k, input[k] ?? null])) as { [P in K]: Exclude<T[P], undefined> | null }
}

/** Drops null and undefined members (VTEX bodies carry only what was given). */
function compact<T extends Record<string, unknown>>(o: T): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== null && v !== undefined))
}

export const orderMutations = {
  configureOrderIntake: (_root: unknown, args: { tickExpression?: string | null }, ctx: Context) => configureIntake(ctx, args.tickExpression),

  startHandling: async (_root: unknown, args: { orderId: unknown }, ctx: Context) => {
    const deps = await ordersDepsProvider.get(ctx)
    const orderId = checkOrderId(args.orderId)
    return performAction(deps, orderId, [{ action: { action: 'startHandling' }, send: () => deps.oms.startHandling(orderId) }])
  },

  invoiceOrder: async (_root: unknown, args: { orderId: unknown; invoice: InvoiceInput }, ctx: Context) => {
    const deps = await ordersDepsProvider.get(ctx)
    const orderId = checkOrderId(args.orderId)
    const i = args.invoice
    const request: InvoiceRequest = {
      type: i.type === 'INPUT' ? 'Input' : 'Output',
      issuanceDate: i.issuanceDate,
      invoiceNumber: i.invoiceNumber,
      invoiceValue: i.invoiceValue,
      ...orNull(i, ['invoiceKey', 'invoiceUrl', 'courier', 'trackingNumber', 'trackingUrl', 'dispatchedDate']),
      items: i.items.map((it) => ({ id: it.id, price: it.price, quantity: it.quantity, description: it.description ?? null })),
    }
    // The same members, in the same order, without the absent ones.
    const body = compact({ ...request, items: request.items.map((it) => compact(it)) })
    const action: Action = { action: 'invoice', ...request }
    return performAction(deps, orderId, [{ action, send: () => deps.oms.invoice(orderId, body) }])
  },

  cancelOrder: async (_root: unknown, args: { orderId: unknown; reason?: string | null; requestedByUser?: boolean | null }, ctx: Context) => {
    const deps = await ordersDepsProvider.get(ctx)
    const orderId = checkOrderId(args.orderId)
    const reason = args.reason ?? null
    const requestedByUser = args.requestedByUser ?? null
    return performAction(deps, orderId, [
      { action: { action: 'cancel', reason, requestedByUser }, send: () => deps.oms.cancel(orderId, { reason, requestedByUser }) },
    ])
  },

  updateTracking: async (
    _root: unknown,
    args: { orderId: unknown; invoiceNumber: string; tracking?: TrackingInput | null; events?: TrackingEventsInput | null },
    ctx: Context
  ) => {
    const deps = await ordersDepsProvider.get(ctx)
    const orderId = checkOrderId(args.orderId)
    const steps: ActionStep[] = []
    if (args.tracking) {
      const optional = orNull(args.tracking, ['trackingUrl', 'courier', 'dispatchedDate'])
      const update: TrackingUpdate = { invoiceNumber: args.invoiceNumber, trackingNumber: args.tracking.trackingNumber, ...optional }
      // VTEX's PATCH schema lists all four; absent ones travel as null.
      const body = { trackingNumber: update.trackingNumber, ...optional }
      steps.push({ action: { action: 'updateTracking', ...update }, send: () => deps.oms.updateTracking(orderId, args.invoiceNumber, body) })
    }
    if (args.events) {
      const events: TrackingEvents = {
        invoiceNumber: args.invoiceNumber,
        isDelivered: args.events.isDelivered,
        deliveredDate: args.events.deliveredDate ?? null,
        events: args.events.events.map((e) => ({ city: e.city ?? '', state: e.state ?? '', description: e.description ?? '', date: e.date ?? '' })),
      }
      const body = compact({ isDelivered: events.isDelivered, deliveredDate: events.deliveredDate, events: events.events })
      steps.push({ action: { action: 'trackingEvents', ...events }, send: () => deps.oms.sendTrackingEvents(orderId, args.invoiceNumber, body) })
    }
    if (steps.length === 0) throw new PonteError(TRACKING_INPUT_EMPTY, 'updateTracking needs tracking, events, or both')
    return performAction(deps, orderId, steps)
  },

  changeOrder: async (_root: unknown, args: { orderId: unknown; change: ChangeOrderInput }, ctx: Context) => {
    const deps = await ordersDepsProvider.get(ctx)
    const orderId = checkOrderId(args.orderId)
    const c = args.change
    const change: ChangeOrder = {
      requestId: c.requestId,
      reason: c.reason,
      discountValue: c.discountValue ?? 0,
      incrementValue: c.incrementValue ?? 0,
      itemsAdded: (c.itemsAdded ?? []).map((i) => ({ id: i.id, price: i.price, quantity: i.quantity })),
      itemsRemoved: (c.itemsRemoved ?? []).map((i) => ({ id: i.id, price: i.price, quantity: i.quantity })),
    }
    return performAction(deps, orderId, [{ action: { action: 'changeOrder', ...change }, send: () => sendChange(deps.oms, orderId, change) }])
  },
}
