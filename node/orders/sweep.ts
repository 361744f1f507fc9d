/**
 * The safety net behind the three channels (hook, feed, IO events): an order all three missed
 * still reaches the ERP.
 *
 * Every `sweepIntervalMs`, one replica's feed tick (the one that wins the If-Match write of
 * `sweep/state.json`) lists the OMS's orders at or past the hand-off status (the core's rank,
 * `statusesFrom`) created between `sweepWindowMs` and `sweepGraceMs` ago (List orders,
 * `GET /api/oms/pvt/orders?f_status=&f_creationDate=`, §A.1; the `ListOrders` policy), in slices
 * of `sweepSliceMs`, oldest first. For each order Ponte holds no record of, it reads Get order
 * and processes the order's current status as an event of its own (hook-shaped, dated Get order's
 * `lastChange`): the core then decides the hand-off as for any first event, and the delivery
 * protocol (fenced claims, ERP lookup) makes it once. An order with a record is the channels'
 * (and the inbox's) business, unless the record still owes a delivery: its first hand-off
 * failed and no channel will bring the order back, so the sweep drives it again.
 *
 * **Bound**: an order created within `sweepWindowMs` that reached the hand-off status and that
 * no channel delivered reaches the ERP within `sweepGraceMs + sweepIntervalMs` + one tick period
 * + the sweep's own run (one VBase read per listed order, one Get order and the hand-off per
 * missing one), defaults 2 min + 5 min + 1 min. Not found: an order created longer than
 * `sweepWindowMs` before it reached the hand-off status (window 6 h by default), and orders
 * beyond VTEX's 30 pages of 100 within one slice (logged as `overflow`; narrow the slice).
 */
import type { OrdersDeps } from './deps'
import { statusesFrom } from './core'
import { drive, nextDelivery } from './deliver'
import { processEvent } from './intake'
import { StaleWrite } from '../lib/vbase'
import type { OrderRecord } from './store'
import { paths } from './store'

export const SWEEP_STATE = 'sweep/state.json'
const PER_PAGE = 100
const MAX_PAGES = 30

export interface SweepResult {
  /** False when another replica swept within the interval (or sweeping is off). */
  swept: boolean
  listed: number
  /** Listed orders without a record. */
  missing: number
  /** Listed orders whose record still owes a delivery (a hand-off that failed, with no channel left to bring the order back): driven again. */
  owed: number
  /** Of those, handed off (or recorded as first seen canceled) and complete. */
  recovered: number
  failed: number
  /** A slice had more than 30 pages of orders. */
  overflow: boolean
}

const none = (): SweepResult => ({ swept: false, listed: 0, missing: 0, owed: 0, recovered: 0, failed: 0, overflow: false })

/** Takes this interval's sweep (one If-Match write); false when another replica has it. */
async function take(deps: OrdersDeps, now: number): Promise<boolean> {
  const interval = deps.settings.tuning.sweepIntervalMs
  if (!(interval > 0)) return false
  const got = await deps.kv.get<{ lastAt: number; by: string }>(SWEEP_STATE)
  if (got && now - got.data.lastAt < interval) return false
  try {
    // The first sweep ever is a blind create: two replicas may both sweep once, harmlessly.
    await deps.kv.put(SWEEP_STATE, { lastAt: now, by: deps.owner }, got?.etag ?? undefined)
    return true
  } catch (e) {
    if (e instanceof StaleWrite) return false
    throw e
  }
}

/** Runs the sweep when it is due (`force`: now, whatever the interval). */
export async function sweep(deps: OrdersDeps, options: { force?: boolean } = {}): Promise<SweepResult> {
  const { clock, settings } = deps
  const tuning = settings.tuning
  const now = clock.now()
  if (!options.force && !(await take(deps, now))) return none()
  const result: SweepResult = { ...none(), swept: true }
  const statuses = statusesFrom(settings.handoffStatus)
  const to = now - tuning.sweepGraceMs
  for (let from = now - tuning.sweepWindowMs; from < to; from += tuning.sweepSliceMs) {
    const sliceTo = Math.min(to, from + tuning.sweepSliceMs - 1)
    for (let page = 1; page <= MAX_PAGES; page += 1) {
      const listed = await deps.oms.listOrders({
        statuses,
        from: new Date(from).toISOString(),
        to: new Date(sliceTo).toISOString(),
        page,
        perPage: PER_PAGE,
      })
      result.listed += listed.list.length
      for (const o of listed.list) await recover(deps, o.orderId, result)
      if (listed.pages > MAX_PAGES) result.overflow = true
      if (page >= listed.pages || listed.list.length === 0) break
    }
  }
  deps.logger[result.overflow ? 'warn' : 'info']({ message: 'orders: sweep', ...result })
  return result
}

async function recover(deps: OrdersDeps, orderId: string, result: SweepResult): Promise<void> {
  try {
    const existing = await deps.kv.get<OrderRecord>(paths.order(orderId))
    if (existing) {
      // The channels' business, unless the record still owes a delivery that no channel will
      // bring back (an order lost on all three whose first hand-off failed): driven again here.
      if (!nextDelivery(existing.data)) return
      result.owed += 1
      const driven = await drive(deps, orderId)
      if (driven.complete) result.recovered += 1
      else result.failed += 1
      return
    }
    result.missing += 1
    const order = await deps.oms.getOrder(orderId)
    if (!order || typeof order.status !== 'string') return
    const at = typeof order.lastChange === 'string' ? order.lastChange : typeof order.creationDate === 'string' ? order.creationDate : null
    if (!at) return
    // The order's current status as an event (hook-shaped: the core parses it as any other).
    const body = JSON.stringify({
      Domain: 'Fulfillment',
      OrderId: orderId,
      State: order.status,
      LastState: '',
      LastChange: at,
      CurrentChange: at,
      Origin: { Account: 'ponte', Key: 'ponte-sweep' },
    })
    const processed = await processEvent(deps, 'hook', body)
    if (processed.kind === 'event' && processed.complete) result.recovered += 1
    else result.failed += 1
    deps.logger.warn({ message: 'orders: sweep found an order no channel delivered', orderId, status: order.status })
  } catch (e) {
    result.failed += 1
    deps.logger.warn({ message: 'orders: sweep could not recover an order', orderId, error: (e as Error).message })
  }
}
