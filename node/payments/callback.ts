/**
 * The gateway's `callbackUrl` (§G.1): an authorisation answered `undefined` (the ERP did not
 * answer within the protocol's time) is decided later, and the connector then tells the gateway
 * by POSTing the create's answer to the `callbackUrl` of that create. A VTEX IO connector uses
 * the *retry* flow: the gateway answers the callback by retrying `POST /payments`, which answers
 * the decided payment from its record (flow.ts), so a callback can never authorise twice.
 *
 * Durable: before an `undefined` answer is sent, the pending callback is written to VBase
 * (bucket `ponte-payments`, `callbacks/{paymentId}.json`: the create's body, the URL, the
 * attempts, when next). It is then worked:
 *
 * - on the replica that answered, in the background, after `callbackFirstMs`, doubling up to
 *   `callbackMaxMs` (settings.ts) while the process lives;
 * - on any replica, by {@link resumeCallbacks}: the connector's own routes start it at most
 *   every {@link RESUME_EVERY_MS} (the gateway calls the connector all the time), and the
 *   `paymentCallbacks` route runs it on demand (vtex.scheduler or an operator), so a pending
 *   callback survives a restart.
 *
 * One delivery: the create is run again from the stored body (answered from the record when
 * decided meanwhile, else the ERP is asked again, flow.ts); still `undefined` → tried later; a
 * decision → POSTed to `callbackUrl`; a 2xx → the pending file is deleted. A payment cancelled
 * meanwhile, or older than VTEX's seven days of retries, drops its callback. The gateway's own
 * retry flow goes on regardless: the callback only makes the decision known sooner.
 */
import type { GatewayCallbackApi } from '../clients/paymentGateway'
import { CALLBACK_HOST } from '../clients/paymentGateway'
import type { AuthorizationAnswer, Payment } from './core'
import type { PaymentsDeps } from './flow'
import { authorize } from './flow'

export interface PendingCallback {
  paymentId: string
  callbackUrl: string
  /** The create's body, to run it again. */
  request: unknown
  attempts: number
  /** Milliseconds since the epoch. */
  since: number
  nextAt: number
}

export type Delivery = 'delivered' | 'waiting' | 'dropped' | 'busy'

/** VTEX retries an undefined payment for up to seven days (§G.1). */
export const CALLBACK_MAX_AGE_MS = 7 * 24 * 3600 * 1000
export const RESUME_EVERY_MS = 5000
const CALLBACK_TIMEOUT_MS = 4000
const path = (paymentId: string) => `callbacks/${paymentId}.json`

export function backoffMs(deps: Pick<PaymentsDeps, 'settings'>, attempts: number): number {
  const { callbackFirstMs, callbackMaxMs } = deps.settings
  return Math.min(callbackMaxMs, callbackFirstMs * 2 ** Math.min(attempts, 20))
}

/** The `callbackUrl` of a create's body when it is the gateway's, else null (never called). */
export function callbackUrlOf(body: unknown): string | null {
  const url = (body as { callbackUrl?: unknown } | null)?.callbackUrl
  return typeof url === 'string' && url.length <= 2048 && CALLBACK_HOST.test(url) && /[?&]X-VTEX-signature=[^&]{1,32}(&|$)/.test(url) ? url : null
}

/**
 * Writes the pending callback of an `undefined` answer (kept as it is when one exists: a
 * retried create does not restart its backoff). Null when the body has no usable `callbackUrl`.
 */
export async function rememberCallback(deps: PaymentsDeps, body: unknown, paymentId: string): Promise<PendingCallback | null> {
  const callbackUrl = callbackUrlOf(body)
  if (!callbackUrl) return null
  const current = await deps.kv.get<PendingCallback>(path(paymentId))
  if (current) return current.data
  const now = deps.now()
  const pending: PendingCallback = { paymentId, callbackUrl, request: body, attempts: 0, since: now, nextAt: now + backoffMs(deps, 0) }
  await deps.kv.put(path(paymentId), pending)
  return pending
}

/** Per replica: the payments being delivered now (one delivery per payment at a time here). */
const inFlight = new Set<string>()

/** One delivery attempt of a pending callback (see the module's comment). */
export async function deliver(deps: PaymentsDeps, gateway: GatewayCallbackApi, paymentId: string): Promise<Delivery> {
  if (inFlight.has(paymentId)) return 'busy'
  inFlight.add(paymentId)
  try {
    const stored = await deps.kv.get<PendingCallback>(path(paymentId))
    if (!stored) return 'dropped'
    const pending = stored.data
    const now = deps.now()
    const record = await deps.kv.get<Payment>(`payments/${paymentId}.json`)
    if (record?.data.status === 'canceled' || now - pending.since > CALLBACK_MAX_AGE_MS) {
      await deps.kv.delete(path(paymentId))
      return 'dropped'
    }
    let answer: AuthorizationAnswer | null = null
    try {
      answer = (await authorize(deps, pending.request)).answer
    } catch (e) {
      deps.logger.warn({ message: 'payments: a pending callback could not be decided', code: (e as { code?: string }).code ?? 'INTERNAL', paymentId })
    }
    if (answer && answer.status !== 'undefined') {
      const status = await gateway.callback(pending.callbackUrl, answer, CALLBACK_TIMEOUT_MS)
      // A write to VTEX: audited like the ERP's (the actor is the gateway's app key that started the work).
      await deps.audit?.('paymentCallback', paymentId, record?.data.orderId ?? null, status >= 200 && status < 300 ? 'OK' : `HTTP_${status}`).catch(() => undefined)
      if (status >= 200 && status < 300) {
        await deps.kv.delete(path(paymentId))
        return 'delivered'
      }
      // 4xx other than a timeout: the gateway will not take it (a wrong signature, an unknown
      // payment); its own retry flow decides the payment, so the callback is dropped.
      if (status >= 400 && status < 500 && status !== 408 && status !== 429) {
        deps.logger.warn({ message: 'payments: the gateway refused a callback', status, paymentId })
        await deps.kv.delete(path(paymentId))
        return 'dropped'
      }
    }
    const attempts = pending.attempts + 1
    const next: PendingCallback = { ...pending, attempts, nextAt: deps.now() + backoffMs(deps, attempts) }
    // Another replica may have delivered it meanwhile: If-Match keeps a deleted file deleted.
    await deps.kv.put(path(paymentId), next, stored.etag ?? undefined).catch(() => undefined)
    return 'waiting'
  } finally {
    inFlight.delete(paymentId)
  }
}

/**
 * Works a pending callback on this replica until it is delivered or dropped, sleeping until
 * each `nextAt` (not awaited by the create: the answer never waits for it).
 */
export async function followUp(deps: PaymentsDeps, gateway: GatewayCallbackApi, paymentId: string, sleep = defaultSleep): Promise<Delivery> {
  for (let round = 0; round < 64; round++) {
    const stored = await deps.kv.get<PendingCallback>(path(paymentId)).catch(() => null)
    if (!stored) return 'dropped'
    await sleep(Math.max(0, stored.data.nextAt - deps.now()))
    const outcome = await deliver(deps, gateway, paymentId).catch(() => 'waiting' as const)
    if (outcome !== 'waiting') return outcome
  }
  return 'waiting'
}

const defaultSleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms).unref())

let lastResume = 0

/** Delivers every pending callback that is due (at most `limit`), from any replica. */
export async function resumeCallbacks(deps: PaymentsDeps, gateway: GatewayCallbackApi, limit = 100): Promise<Record<Delivery, number>> {
  lastResume = deps.now()
  const counts: Record<Delivery, number> = { delivered: 0, waiting: 0, dropped: 0, busy: 0 }
  const files = await deps.kv.list('callbacks/', limit)
  for (const file of files) {
    const id = file.replace(/^callbacks\//, '').replace(/\.json$/, '')
    const stored = await deps.kv.get<PendingCallback>(path(id)).catch(() => null)
    if (!stored || stored.data.nextAt > deps.now()) continue
    counts[await deliver(deps, gateway, id).catch(() => 'waiting' as const)] += 1
  }
  return counts
}

/** Whether the connector's routes should start {@link resumeCallbacks} now (per replica). */
export function resumeDue(now: number): boolean {
  if (now - lastResume < RESUME_EVERY_MS) return false
  lastResume = now
  return true
}
