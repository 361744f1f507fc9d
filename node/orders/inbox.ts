/**
 * The inbox: hook notifications and IO events are written here (VBase `inbox/{digest(key)}.json`)
 * before they are answered, then processed in the background; the entry is deleted once
 * processing is complete (every delivery acknowledged). The feed tick resumes entries older
 * than `inboxResumeAfterMs` (the replica that accepted them died, or the ERP was down).
 *
 * The path is derived from the core's dedupe key, so the same change accepted twice (hook and
 * IO event, or a hook retry) is one entry; the write is idempotent.
 */
import type { EventSource } from './core'
import { PonteError } from '../lib/errors'
import { BoundedQueue, foreground, yielding } from '../lib/queue'
import type { OrdersDeps } from './deps'
import { makeDeps } from './deps'
import type { AcceptedEvent, ProcessResult } from './intake'
import { processEvent } from './intake'
import { giveUpUnknownOrder } from './rejected'
import { paths } from './store'

export interface InboxEntry {
  key: string
  source: EventSource
  /** The body as received (the core parses it again when processing). */
  body: string
  receivedAt: string
  receivedBy: string
}

/** Keys being processed by this replica right now (the tick skips them). */
const inFlight = new Set<string>()

export async function accept(deps: OrdersDeps, source: EventSource, key: string, body: string): Promise<InboxEntry> {
  const entry: InboxEntry = { key, source, body, receivedAt: new Date(deps.clock.now()).toISOString(), receivedBy: deps.owner }
  await deps.kv.put(paths.inbox(key), entry)
  return entry
}

/**
 * Processes an accepted entry; deletes it when the work is complete. Never throws. `accepted` is
 * the core's answer for the entry's body when the caller has it (the route that accepted it), so
 * the body is not parsed again; a resumed entry is parsed from its body.
 */
export async function work(deps: OrdersDeps, entry: InboxEntry, accepted?: AcceptedEvent): Promise<ProcessResult | null> {
  if (inFlight.has(entry.key)) return null
  inFlight.add(entry.key)
  try {
    const result = await processEvent(deps, entry.source, entry.body, accepted ? { accepted } : {})
    if (result.kind === 'ping' || result.complete) await deps.kv.delete(paths.inbox(entry.key))
    else deps.logger.warn({ message: 'orders: event kept in the inbox', key: entry.key, reason: result.reason })
    return result
  } catch (e) {
    if (await giveUpUnknownOrder(deps, entry.source, entry.key, e, entry.receivedAt, entry.body)) {
      await deps.kv.delete(paths.inbox(entry.key)).catch(() => undefined)
      return null
    }
    const code = e instanceof PonteError ? e.code : undefined
    deps.logger.warn({ message: 'orders: processing failed, event kept in the inbox', key: entry.key, code, error: (e as Error).message })
    return null
  } finally {
    inFlight.delete(entry.key)
  }
}

/**
 * Background work of this replica: at most `backgroundConcurrency` entries at once, and at most
 * `backgroundQueue` waiting. Beyond that an accepted entry is left in the inbox for the tick to
 * resume (it is durable already), so a peak of notifications never starves the answers to VTEX.
 * Nor does the work itself: it yields to the acceptances in flight ({@link backgroundDeps}).
 */
const background = new BoundedQueue()

/**
 * `PONTE_HOLD_BACKGROUND=1` (read at start; bench/service-hook.js measures acceptance with it):
 * accepted entries are not worked on by this process and stay in the inbox, as when the queue is
 * full. Never set in production, where VTEX IO gives the app no say over its environment.
 */
export const holdBackground = (env: NodeJS.ProcessEnv = process.env): boolean => env.PONTE_HOLD_BACKGROUND === '1'
const HOLD = holdBackground()

/**
 * The deps of background work: its VBase, OMS and ERP calls each wait while an acceptance is in
 * flight on this replica (`lib/queue.ts` `foreground`), at most `backgroundYieldMs`.
 */
export function backgroundDeps(deps: OrdersDeps): OrdersDeps {
  const ms = deps.settings.tuning.backgroundYieldMs
  if (!(ms > 0)) return deps
  return makeDeps({
    ...deps,
    kv: yielding(deps.kv, foreground, ms),
    oms: yielding(deps.oms, foreground, ms),
    erp: yielding(deps.erp, foreground, ms),
  })
}

/** Starts {@link work} without waiting for it (the caller has answered already). */
export function workInBackground(deps: OrdersDeps, entry: InboxEntry, accepted?: AcceptedEvent): Promise<ProcessResult | null> {
  if (HOLD) return Promise.resolve(null)
  const { backgroundConcurrency, backgroundQueue, backgroundYieldMs } = deps.settings.tuning
  return background.offer(() => work(backgroundDeps(deps), entry, accepted), {
    concurrency: backgroundConcurrency,
    queue: backgroundQueue,
    yieldTo: { foreground, yieldMs: backgroundYieldMs },
  })
}

/** Resumes old inbox entries; answers how many it brought to completion. */
export async function resumeInbox(deps: OrdersDeps): Promise<number> {
  const tuning = deps.settings.tuning
  const listed = await deps.kv.list('inbox/', tuning.inboxResumeBatch)
  let resumed = 0
  const now = deps.clock.now()
  for (const path of listed) {
    const got = await deps.kv.get<InboxEntry>(path)
    if (!got) continue
    const entry = got.data
    const age = now - Date.parse(entry.receivedAt)
    if (!(age >= tuning.inboxResumeAfterMs) || inFlight.has(entry.key)) continue
    const result = await work(deps, entry)
    if (result && (result.kind === 'ping' || result.complete)) resumed += 1
  }
  return resumed
}
