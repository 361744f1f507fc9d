/**
 * The inbox: hook notifications and IO events are written here before they are answered, then
 * processed in the background; the entry is deleted once processing is complete (every delivery
 * acknowledged). The feed tick resumes the entries that are due (the replica that accepted them
 * died, or the work failed or is incomplete), oldest first across all of them.
 *
 *   inbox/t{due}-{digest(key)}.json      an entry, `due` (ms since the epoch, 15 digits) the time
 *                                        from which the tick may resume it: accepted at +
 *                                        `inboxResumeAfterMs`, or after a failed try, now + backoff
 *   deadletter/t{at}-{digest(key)}.json  an entry moved aside after `inboxMaxFailures` failed
 *                                        tries, with its reason ({@link DeadLetter})
 *
 * Paths sort by time, so a listing (paged through all entries) is oldest-first with no reads, and
 * the tick stops at the first entry not due yet. A failed try moves the entry to the back (a new
 * `due`), so entries that keep failing never block the rest; an entry that keeps throwing (a
 * poison entry) is moved to the dead-letter with its error, where {@link listDeadLetter} reads it
 * oldest-first and {@link replayDeadLetter} puts it back. Entries written before this layout
 * (`inbox/{digest}.json`) sort before every `t…` path and count as due.
 *
 * The same change accepted twice (hook and IO event, a hook retry) is two entries: the second to
 * be worked on is decided `duplicate` (one record read) and deleted.
 */
import type { EventSource } from './core'
import { PonteError } from '../lib/errors'
import { BoundedQueue, foreground, yielding } from '../lib/queue'
import type { OrdersDeps } from './deps'
import { makeDeps } from './deps'
import type { AcceptedEvent, ProcessResult } from './intake'
import { processEvent } from './intake'
import { giveUpUnknownOrder } from './rejected'
import { digest } from './store'

export interface InboxEntry {
  key: string
  source: EventSource
  /** The body as received (the core parses it again when processing). */
  body: string
  receivedAt: string
  receivedBy: string
  /** Where the entry is (absent on entries written before the time-ordered layout). */
  path?: string
  /** Tries the tick made that ended incomplete or failed. */
  attempts?: number
  /** Tries that threw (the poison count). */
  failures?: number
  lastError?: string | null
}

/** An entry moved aside: its tries kept failing. */
export interface DeadLetter extends InboxEntry {
  deadAt: string
  reason: string
}

const pad = (ms: number) => String(Math.max(0, Math.floor(ms))).padStart(15, '0')

export const inboxPaths = {
  entry: (key: string, dueMs: number) => `inbox/t${pad(dueMs)}-${digest(key)}.json`,
  dead: (key: string, atMs: number) => `deadletter/t${pad(atMs)}-${digest(key)}.json`,
  /** The time in a path (`t{ms}-`), or 0 for an entry of the older layout. */
  time: (path: string): number => {
    const m = /\/t(\d{15})-/.exec(path)
    return m ? Number(m[1]) : 0
  },
}

/** Every path under `prefix` in order, paged, until `stop(path)` or `max` paths. */
async function listInOrder(deps: OrdersDeps, prefix: string, max: number, stop: (path: string) => boolean = () => false): Promise<string[]> {
  const out: string[] = []
  let next: string | null = null
  do {
    const page: { paths: string[]; next: string | null } = await deps.kv.listPage(prefix, Math.min(100, max), next)
    for (const path of page.paths) {
      if (stop(path) || out.length >= max) return out
      out.push(path)
    }
    next = page.next
  } while (next)
  return out
}

/** Keys being processed by this replica right now (the tick skips them). */
const inFlight = new Set<string>()

export async function accept(deps: OrdersDeps, source: EventSource, key: string, body: string): Promise<InboxEntry> {
  const now = deps.clock.now()
  const path = inboxPaths.entry(key, now + deps.settings.tuning.inboxResumeAfterMs)
  const entry: InboxEntry = { key, source, body, receivedAt: new Date(now).toISOString(), receivedBy: deps.owner, path }
  await deps.kv.put(path, entry)
  return entry
}

/** The entry's path (entries of the older layout: by key). */
const pathOf = (entry: InboxEntry) => entry.path ?? `inbox/${digest(entry.key)}.json`

/**
 * Processes an accepted entry; deletes it when the work is complete. Never throws. `accepted` is
 * the core's answer for the entry's body when the caller has it (the route that accepted it), so
 * the body is not parsed again; a resumed entry is parsed from its body.
 */
export async function work(deps: OrdersDeps, entry: InboxEntry, accepted?: AcceptedEvent): Promise<ProcessResult | null> {
  const tried = await attempt(deps, entry, accepted)
  return tried.kind === 'done' || tried.kind === 'incomplete' ? tried.result : null
}

type Attempt =
  | { kind: 'done'; result: ProcessResult | null }
  | { kind: 'incomplete'; result: ProcessResult; reason: string }
  | { kind: 'failed'; error: string }
  | { kind: 'busy' }

async function attempt(deps: OrdersDeps, entry: InboxEntry, accepted?: AcceptedEvent): Promise<Attempt> {
  if (inFlight.has(entry.key)) return { kind: 'busy' }
  inFlight.add(entry.key)
  try {
    const result = await processEvent(deps, entry.source, entry.body, accepted ? { accepted } : {})
    if (result.kind === 'ping' || result.complete) {
      await deps.kv.delete(pathOf(entry))
      return { kind: 'done', result }
    }
    deps.logger.warn({ message: 'orders: event kept in the inbox', key: entry.key, reason: result.reason })
    return { kind: 'incomplete', result, reason: result.reason ?? 'incomplete' }
  } catch (e) {
    if (await giveUpUnknownOrder(deps, entry.source, entry.key, e, entry.receivedAt, entry.body)) {
      await deps.kv.delete(pathOf(entry)).catch(() => undefined)
      return { kind: 'done', result: null }
    }
    const code = e instanceof PonteError ? e.code : undefined
    deps.logger.warn({ message: 'orders: processing failed, event kept in the inbox', key: entry.key, code, error: (e as Error).message })
    return { kind: 'failed', error: `${code ? `${code}: ` : ''}${(e as Error).message}`.slice(0, 500) }
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

/** What one resume pass did. */
export interface ResumeCounts {
  resumed: number
  requeued: number
  deadLettered: number
}

/**
 * Resumes the inbox entries that are due, oldest first across all of them (paged listing; at
 * most `inboxResumeBatch` tries per call); answers how many it brought to completion. A try that
 * ends incomplete moves the entry to the back, due again after `inboxResumeAfterMs`; one that
 * throws, after an exponential backoff; an entry whose tries threw `inboxMaxFailures` times is
 * moved to the dead-letter with its last error.
 */
export async function resumeInbox(deps: OrdersDeps): Promise<number> {
  return (await resumeInboxCounts(deps)).resumed
}

export async function resumeInboxCounts(deps: OrdersDeps): Promise<ResumeCounts> {
  const tuning = deps.settings.tuning
  const counts: ResumeCounts = { resumed: 0, requeued: 0, deadLettered: 0 }
  const now = deps.clock.now()
  // Time-ordered: stop at the first entry not due yet.
  const due = await listInOrder(deps, 'inbox/', tuning.inboxScanMax, (path) => inboxPaths.time(path) > now)
  let tries = 0
  for (const path of due) {
    if (tries >= tuning.inboxResumeBatch) break
    const got = await deps.kv.get<InboxEntry>(path)
    if (!got) continue
    const entry: InboxEntry = { ...got.data, path }
    // An older-layout entry still waits out inboxResumeAfterMs from its acceptance.
    if (!entry.path?.includes('/t') && !(now - Date.parse(entry.receivedAt) >= tuning.inboxResumeAfterMs)) continue
    if (inFlight.has(entry.key)) continue
    tries += 1
    const tried = await attempt(deps, entry)
    if (tried.kind === 'done') {
      if (!tried.result || tried.result.kind === 'ping' || tried.result.complete) counts.resumed += 1
      continue
    }
    if (tried.kind === 'busy') continue
    const attempts = (entry.attempts ?? 0) + 1
    const failures = (entry.failures ?? 0) + (tried.kind === 'failed' ? 1 : 0)
    const lastError = tried.kind === 'failed' ? tried.error : tried.reason
    try {
      if (tried.kind === 'failed' && failures >= tuning.inboxMaxFailures) {
        const at = deps.clock.now()
        const dead: DeadLetter = { ...entry, attempts, failures, lastError, path: inboxPaths.dead(entry.key, at), deadAt: new Date(at).toISOString(), reason: lastError }
        await deps.kv.put(dead.path as string, dead)
        await deps.kv.delete(path)
        counts.deadLettered += 1
        deps.logger.warn({ message: 'orders: inbox entry moved to the dead-letter', key: entry.key, failures, reason: lastError })
        continue
      }
      // Incomplete (the ERP, or another replica's claim): due again after inboxResumeAfterMs, as
      // an entry just accepted; a try that threw backs off exponentially until it is poison.
      const wait =
        tried.kind === 'failed' ? Math.min(tuning.inboxRetryMaxMs, tuning.inboxRetryBaseMs * 2 ** Math.min(failures - 1, 20)) : tuning.inboxResumeAfterMs
      const next: InboxEntry = { ...entry, attempts, failures, lastError, path: inboxPaths.entry(entry.key, deps.clock.now() + wait) }
      // Written at its new place before the old one goes: a crash in between leaves a duplicate, never a loss.
      await deps.kv.put(next.path as string, next)
      if (next.path !== path) await deps.kv.delete(path)
      counts.requeued += 1
    } catch (e) {
      deps.logger.warn({ message: 'orders: inbox entry could not be moved', key: entry.key, error: (e as Error).message })
    }
  }
  return counts
}

/** The dead-letter, oldest first across all of it (at most `max`). */
export async function listDeadLetter(deps: OrdersDeps, max = 1000): Promise<DeadLetter[]> {
  const out: DeadLetter[] = []
  for (const path of await listInOrder(deps, 'deadletter/', max)) {
    const got = await deps.kv.get<DeadLetter>(path)
    if (got) out.push({ ...got.data, path })
  }
  return out
}

/**
 * Puts the oldest `max` dead-letter entries back into the inbox, due now, with their failure
 * count reset (after the cause was fixed). Answers how many.
 */
export async function replayDeadLetter(deps: OrdersDeps, max: number): Promise<number> {
  let replayed = 0
  for (const dead of await listDeadLetter(deps, max)) {
    const { deadAt: _deadAt, reason: _reason, ...entry } = dead
    const path = inboxPaths.entry(entry.key, deps.clock.now())
    await deps.kv.put(path, { ...entry, path, failures: 0 })
    await deps.kv.delete(dead.path as string)
    replayed += 1
  }
  return replayed
}
