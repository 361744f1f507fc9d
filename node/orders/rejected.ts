/**
 * Events Ponte stops retrying, kept for inspection in VBase (`rejected/{digest(id)}.json`)
 * rather than lost:
 *
 * - a malformed feed item or IO event (the core refuses it: it can never succeed, §B.4);
 * - an event whose order the OMS still does not know (`ORDER_NOT_FOUND`) once the event is
 *   older than `unknownOrderGiveUpMs` (tuning, default 1 hour). Before that it is retried like
 *   any event (the feed item stays uncommitted, the inbox entry stays), since an order can be
 *   notified a moment before Get order finds it; after that, retrying for the feed's 4-day
 *   retention would only crowd out real work.
 *
 * Only after the record is written is the event acknowledged (committed, deleted from the inbox).
 */
import { PonteError } from '../lib/errors'
import type { EventSource } from './core'
import { instant } from './core'
import type { OrdersDeps } from './deps'
import { ORDER_NOT_FOUND } from './intake'
import { paths } from './store'

export interface RejectedEvent {
  source: EventSource
  code: string
  message: string
  /** The event as received, at most 64 KiB. */
  item: string
  rejectedAt: string
}

/** Writes the record; throws when VBase does (the caller then keeps the event). */
export async function recordRejected(deps: OrdersDeps, source: EventSource, id: string, error: PonteError, body: string): Promise<void> {
  const record: RejectedEvent = {
    source,
    code: error.code,
    message: error.message,
    item: body.length > 65536 ? body.slice(0, 65536) : body,
    rejectedAt: new Date(deps.clock.now()).toISOString(),
  }
  await deps.kv.put(paths.rejected(id), record)
}

/**
 * For an event that failed with `error`, first accepted (or dated) at `since` (ISO 8601): true
 * when it is an unknown order past `unknownOrderGiveUpMs` and is now recorded, so the caller may
 * acknowledge it. False otherwise (keep retrying), including when the record cannot be written.
 */
export async function giveUpUnknownOrder(
  deps: OrdersDeps,
  source: EventSource,
  id: string,
  error: unknown,
  since: string | null | undefined,
  body: string
): Promise<boolean> {
  if (!(error instanceof PonteError) || error.code !== ORDER_NOT_FOUND) return false
  const at = instant(since)
  if (Number.isNaN(at) || deps.clock.now() - at < deps.settings.tuning.unknownOrderGiveUpMs) return false
  try {
    await recordRejected(deps, source, id, error, body)
  } catch {
    return false
  }
  deps.logger.warn({ message: 'orders: event of an unknown order recorded and acknowledged', source, code: error.code })
  return true
}
