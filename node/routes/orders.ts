/**
 * The orders routes (public; the shared secret header stands in for credentials):
 *
 * - `orderHook` `POST /_v/ponte/orders/hook`: VTEX's Hook. Header `x-ponte-hook-secret` must
 *   equal the `hookSecret` setting (the hook config's `headers` carry it, the ping included):
 *   else 401 `{code: "HOOK_SECRET_INVALID"}`. The ping `{"hookConfig":"ping"}` → 200. A body the
 *   core refuses → 400 `{code, message}` (HOOK_PAYLOAD_INVALID, PAYLOAD_TOO_LARGE). An event is
 *   written to the inbox in VBase, answered 200 `{accepted: true}`, and processed afterwards
 *   (not awaited: the answer never waits for the OMS or the ERP). When VBase cannot take it,
 *   503 `{code: "INBOX_UNAVAILABLE"}`: VTEX retries the notification.
 * - `orderFeedTick` `POST /_v/ponte/orders/feed/tick`: the scheduler's tick (vtex.scheduler, set
 *   up by `configureOrderIntake`). Header `x-ponte-tick-secret` must equal the `tickSecret`
 *   setting, else 401 `{code: "TICK_SECRET_INVALID"}`.
 *   Answers 200 `{taken, committed, failed, resumed}` (orders/feed.ts).
 */
import { timingSafeEqual } from 'crypto'
import type { IncomingMessage } from 'http'

import type { Context } from '../clients'
import { PonteError } from '../lib/errors'
import { NOT_BACKGROUND_WORKSPACE, ownsBackgroundWork } from '../lib/workspace'
import type { OrdersDeps } from '../orders/deps'
import { ordersDeps, readSettings } from '../orders/deps'
import { tick } from '../orders/feed'
import { foreground } from '../lib/queue'
import type { OrderEvent } from '../orders/core'
import type { InboxEntry } from '../orders/inbox'
import { accept, backgroundDeps, workInBackground } from '../orders/inbox'
import { firstStep } from '../orders/intake'
import { SECRET_HEADER, TICK_SECRET_HEADER } from '../orders/settings'

export const HOOK_SECRET_INVALID = 'HOOK_SECRET_INVALID'
export const INBOX_UNAVAILABLE = 'INBOX_UNAVAILABLE'
export const TICK_SECRET_INVALID = 'TICK_SECRET_INVALID'
export { SECRET_HEADER, TICK_SECRET_HEADER }
/** The core refuses more than 64 KiB; reading stops a little after. */
const MAX_BODY = 64 * 1024 + 1

/** How routes get their deps (unit tests pass fakes). */
export type DepsFactory = (ctx: Context) => Promise<OrdersDeps>

export function secretMatches(given: string | undefined, expected: string | null): boolean {
  if (!expected || !given) return false
  const a = Buffer.from(given)
  const b = Buffer.from(expected)
  return a.length === b.length && timingSafeEqual(a, b)
}

/** The raw body, at most `max` bytes (the rest is not read: the core refuses it by size). */
export async function readBody(req: IncomingMessage, max = MAX_BODY): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string)
    chunks.push(b)
    size += b.length
    if (size > max) break
  }
  return Buffer.concat(chunks).toString('utf8')
}

function refuse(ctx: Context, status: number, code: string, message: string): void {
  ctx.status = status
  ctx.body = { code, message }
}

/** Each route has its own secret (one per direction): the hook's and the tick's (401 otherwise); no IO once the settings are cached. */
export async function checkSecret(ctx: Context, route: 'hook' | 'tick' = 'hook'): Promise<boolean> {
  const settings = await readSettings(ctx)
  const [header, expected, setting, code] =
    route === 'hook'
      ? [SECRET_HEADER, settings.hookSecret, 'hookSecret', HOOK_SECRET_INVALID]
      : [TICK_SECRET_HEADER, settings.tickSecret, 'tickSecret', TICK_SECRET_INVALID]
  if (secretMatches(ctx.get(header) || undefined, expected)) return true
  refuse(ctx, 401, code, expected ? `header ${header} is missing or wrong` : `the ${setting} setting is not configured: every call is refused`)
  return false
}

/**
 * Background work is the owner workspace's (lib/workspace.ts): elsewhere the hook answers 503
 * (VTEX retries it; the intake set-up points the hook at the owner's own host) and the tick
 * does nothing.
 */
async function owner(ctx: Context): Promise<boolean> {
  const { backgroundWorkspace } = await readSettings(ctx)
  return ownsBackgroundWork(backgroundWorkspace, ctx.vtex.workspace)
}

export function orderHook(depsFor: DepsFactory = ordersDeps) {
  return async function orderHookHandler(ctx: Context, next: () => Promise<unknown>): Promise<void> {
    // Background work on this replica yields until this is answered (lib/queue.ts).
    const answered = foreground.begin()
    let accepted: AcceptedEvent | null
    try {
      accepted = await acceptHook(ctx, depsFor)
    } finally {
      answered()
    }
    if (accepted === null) return
    if (accepted !== 'filtered') void workInBackground(accepted.deps, accepted.entry, accepted.event)
    await next()
  }
}

type AcceptedEvent = 'filtered' | { deps: OrdersDeps; entry: InboxEntry; event: { orderId: string; key: string; event: OrderEvent } }

/**
 * What the hook does before its answer: the secret, the body, the core's one call (parse and
 * filter), the one durable write (the inbox). Null when refused or a ping (answered already).
 */
async function acceptHook(ctx: Context, depsFor: DepsFactory): Promise<AcceptedEvent | null> {
  ctx.set('Cache-Control', 'no-store')
  if (!(await checkSecret(ctx, 'hook'))) return null
  if (!(await owner(ctx))) {
    refuse(ctx, 503, NOT_BACKGROUND_WORKSPACE, `workspace ${ctx.vtex.workspace} does not take orders in (setting backgroundWorkspace)`)
    return null
  }
  const body = await readBody(ctx.req)
  const deps = await depsFor(ctx)
  let step
  try {
    step = firstStep(deps, 'hook', body)
  } catch (e) {
    if (!(e instanceof PonteError)) throw e
    refuse(ctx, 400, e.code, e.message)
    return null
  }
  if (step.kind === 'ping') {
    ctx.status = 200
    ctx.body = { ok: true }
    return null
  }
  if (step.kind === 'ignored') {
    // Not of interest (settings' intakeStatuses): answered, nothing stored.
    ctx.status = 200
    ctx.body = { accepted: true, filteredOut: true }
    return 'filtered'
  }
  const { key, orderId, event } = step
  let entry
  try {
    entry = await accept(deps, 'hook', key, body)
  } catch (e) {
    deps.logger.error({ message: 'orders: hook event could not be written to the inbox', error: (e as Error).message })
    refuse(ctx, 503, INBOX_UNAVAILABLE, 'the event could not be stored; send it again')
    return null
  }
  ctx.status = 200
  ctx.body = { accepted: true }
  return { deps, entry, event: { orderId, key, event } }
}

export function orderFeedTick(depsFor: DepsFactory = ordersDeps) {
  return async function orderFeedTickHandler(ctx: Context, next: () => Promise<unknown>): Promise<void> {
    ctx.set('Cache-Control', 'no-store')
    if (!(await checkSecret(ctx, 'tick'))) return
    if (!(await owner(ctx))) {
      ctx.status = 200
      ctx.body = { taken: 0, committed: 0, failed: 0, resumed: 0, skipped: NOT_BACKGROUND_WORKSPACE }
      return
    }
    const deps = await depsFor(ctx)
    ctx.status = 200
    // The tick's work is background work: it yields to the hook's answers on this replica.
    ctx.body = await tick(backgroundDeps(deps))
    await next()
  }
}
