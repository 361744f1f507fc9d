/**
 * The feed tick: takes lots of up to `feedMaxLot` (≤ 10) Feed v3 items, up to `feedLotsPerTick`
 * lots while each lot is committed whole, processes each item (at most `feedConcurrency` at once),
 * and commits an item's handle only once its processing is complete (its effects durable in
 * VBase and every delivery it owes acknowledged by the ERP), the handles of a lot in one call.
 * A failing item stays uncommitted: the feed makes it visible again after its visibility
 * timeout, with a new handle, and intake sees it as a duplicate whose outbox is still owed.
 *
 * A malformed item (the core refuses it) is recorded in VBase (`rejected/…`) and committed:
 * left uncommitted it would come back forever and crowd out newer events (§B.4: commit every
 * item, including ones you ignore). So is an item whose order the OMS does not know once it is
 * older than `unknownOrderGiveUpMs` (rejected.ts); before that it is retried.
 *
 * The tick answers after `tickBudgetMs` at the latest; items still in progress go on, and
 * commit, in the background. Then it resumes old inbox entries (inbox.ts) within what is left
 * of the budget, and, when due, runs the safety-net sweep (sweep.ts).
 */
import { OmsError } from '../clients/oms'
import { PonteError } from '../lib/errors'
import { mapLimit } from '../lib/queue'
import type { OrdersDeps } from './deps'
import { accept, resumeInbox } from './inbox'
import { sweep } from './sweep'
import { processEvent } from './intake'
import { giveUpUnknownOrder, recordRejected } from './rejected'

export interface TickResult {
  taken: number
  committed: number
  failed: number
  resumed: number
}

/** deliver.ts's reason when another worker holds the order's live claim. */
const CLAIMED = 'claimed by another replica'

/** Core codes that say the item itself is malformed (never processable). */
const MALFORMED = new Set(['FEED_ITEM_INVALID', 'PAYLOAD_TOO_LARGE', 'ORDER_ID_INVALID'])

export async function tick(deps: OrdersDeps): Promise<TickResult> {
  const { clock, settings } = deps
  const tuning = settings.tuning
  const started = clock.now()
  const result: TickResult = { taken: 0, committed: 0, failed: 0, resumed: 0 }
  const budget = (ms: number) => new Promise<'budget'>((done) => setTimeout(() => done('budget'), Math.max(0, ms)).unref?.())
  const spent = () => clock.now() - started
  // Another lot while the last one was all committed and half the budget is left (the rest is
  // the inbox's): a backlog drains up to feedLotsPerTick times faster. Not "while lots are full":
  // the feed may answer fewer than maxlot items with more waiting, as a queue does.
  for (let lot = 0; lot < tuning.feedLotsPerTick; lot += 1) {
    let items: Record<string, unknown>[] = []
    try {
      items = await deps.oms.takeFeed(tuning.feedMaxLot)
    } catch (e) {
      // No feed configured (404) or the feed is unavailable: nothing taken; still resume the inbox.
      if (!(e instanceof OmsError)) throw e
      deps.logger.warn({ message: 'orders: feed take failed', status: e.status })
    }
    result.taken += items.length
    if (items.length === 0) break
    const done = await Promise.race([processLot(deps, items, result), budget(tuning.tickBudgetMs - spent())])
    if (done !== 'all committed' || spent() * 2 > tuning.tickBudgetMs) break
  }
  const left = tuning.tickBudgetMs - spent()
  if (left > 0) {
    const resume = resumeInbox(deps)
      .then((n) => {
        result.resumed = n
      })
      .catch((e) => deps.logger.warn({ message: 'orders: inbox resume failed', error: (e as Error).message }))
    await Promise.race([resume, budget(left)])
  }
  // The safety net, when due (one replica per interval): it goes on in the background past the
  // budget, like unfinished items.
  const sweeping = sweep(deps).catch((e) => {
    deps.logger.warn({ message: 'orders: sweep failed', error: (e as Error).message })
  })
  await Promise.race([sweeping, budget(tuning.tickBudgetMs - spent())])
  return { ...result }
}

/**
 * Processes a lot (at most `feedConcurrency` items at once), then commits the handles of the
 * items that are done in one call. An item whose commit fails comes back after its visibility
 * timeout and is a duplicate then.
 */
async function processLot(deps: OrdersDeps, items: Record<string, unknown>[], result: TickResult): Promise<'all committed' | 'some left'> {
  const handles: string[] = []
  await mapLimit(items, deps.settings.tuning.feedConcurrency, async (item) => {
    const handle = await processItem(deps, item)
    if (handle) handles.push(handle)
    else result.failed += 1
  })
  if (handles.length === 0) return 'some left'
  try {
    await deps.oms.commitFeed(handles)
    result.committed += handles.length
  } catch (e) {
    result.failed += handles.length
    deps.logger.warn({ message: 'orders: feed commit failed', status: e instanceof OmsError ? e.status : undefined })
    return 'some left'
  }
  return handles.length === items.length ? 'all committed' : 'some left'
}

/** Processes one item: its handle when it may be committed (done, handed to the inbox, or recorded as rejected); null to leave it. */
async function processItem(deps: OrdersDeps, item: Record<string, unknown>): Promise<string | null> {
  const handle = typeof item.handle === 'string' && item.handle !== '' ? item.handle : null
  const body = JSON.stringify(item)
  try {
    // Not waiting on another worker's claim: see below.
    const processed = await processEvent(deps, 'feed', body, { claimWaitMs: 0 })
    if (processed.kind === 'event' && !processed.complete) {
      if (processed.reason === CLAIMED) {
        // Another worker is delivering what this order owes right now. Rather than hold the item
        // (it would come back and crowd out newer ones, §B.4), hand its custody to the inbox,
        // which is durable and resumed by the tick, then commit it.
        await accept(deps, 'feed', processed.key, body)
      } else {
        deps.logger.warn({ message: 'orders: feed item left uncommitted', orderId: processed.orderId, reason: processed.reason })
        return null
      }
    }
  } catch (e) {
    const id = typeof item.eventId === 'string' && item.eventId !== '' ? item.eventId : body
    // An unknown order is retried until the event is older than unknownOrderGiveUpMs.
    const since = typeof item.currentChange === 'string' ? item.currentChange : null
    if (await giveUpUnknownOrder(deps, 'feed', id, e, since, body)) return handle
    if (!(e instanceof PonteError && MALFORMED.has(e.code))) {
      deps.logger.warn({
        message: 'orders: feed item failed, left uncommitted',
        code: e instanceof PonteError ? e.code : undefined,
        error: (e as Error).message,
      })
      return null
    }
    try {
      await recordRejected(deps, 'feed', id, e, body)
    } catch {
      return null
    }
    deps.logger.warn({ message: 'orders: malformed feed item recorded and committed', code: e.code })
  }
  return handle
}
