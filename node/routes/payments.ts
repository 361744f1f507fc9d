/**
 * The Payment Provider Protocol's routes (§G.1), as the Payment Provider Framework lays them out
 * on a VTEX IO service (public routes under `/_v/api/connectors/{vendor}.{app}/v0/`, see
 * node/service.json):
 *
 * - `GET manifest`, `GET payment-methods`: the connector's methods and custom fields;
 * - `POST payments` (create/authorise), `POST payments/:paymentId/cancellations`,
 *   `.../settlements`, `.../refunds`: the payment on account (payments/flow.ts);
 * - `POST payments/:paymentId/inbound/:action`: 501, not supported (the protocol's beta
 *   pass-through);
 * - `POST /_v/ponte/payments/callbacks`: delivers the due pending callbacks of `undefined`
 *   answers (payments/callback.ts; a create answered `undefined` writes its callback first).
 *   vtex.scheduler calls it every minute (payments/tick.ts, scheduled by the connector's own
 *   calls) with the `x-ponte-callbacks-tick` header; an operator may call it with the
 *   connector's credentials.
 *
 * Credentials: every payment call must carry the pair configured in the app settings
 * (`paymentAppKey`/`paymentAppToken`) as `X-PROVIDER-API-AppKey`/`-AppToken`
 * (configuration.json `usesProviderHeadersName: true`), or as `X-VTEX-API-AppKey`/`-AppToken`;
 * otherwise 401 `{status: "error", code: "PAYMENT_CREDENTIALS_INVALID"}` before the body is read.
 * The manifest and payment methods are public (the protocol gives them no credentials).
 *
 * Error shapes: a create answers 400 `{status: "error", code, message}` for a request it refuses
 * and 500 for its own failures; a cancellation, settlement or refund answers the protocol's
 * failure (500, the id null, `value: 0`) with the stable code, and nothing changes.
 */
import { timingSafeEqual } from 'crypto'

import type { Context } from '../clients'
import { PonteError } from '../lib/errors'
import { PAYMENT_REQUEST_MALFORMED } from '../payments/core'
import { followUp, rememberCallback, resumeCallbacks, resumeDue } from '../payments/callback'
import { gatewayClient, paymentsDeps, readPaymentsSettings } from '../payments/deps'
import type { PaymentsDeps } from '../payments/flow'
import { authorize, cancel, refund, settle } from '../payments/flow'
import { manifest, paymentMethods } from '../payments/manifest'
import { CALLBACKS_TICK_HEADER, ensureCallbacksTick, tickToken } from '../payments/tick'
import { Scheduler } from '../clients/scheduler'
import { jobScoped } from '../clients/jobScoped'
import { appId } from '../sso'
import { readBody } from './orders'

export const PAYMENT_CREDENTIALS_INVALID = 'PAYMENT_CREDENTIALS_INVALID'
const MAX_BODY = 256 * 1024

function same(given: string | undefined, expected: string | null): boolean {
  if (!given || !expected) return false
  const a = Buffer.from(given)
  const b = Buffer.from(expected)
  return a.length === b.length && timingSafeEqual(a, b)
}

/** The gateway's app key when the pair matches the settings, else null (after answering 401). */
async function credentials(ctx: Context): Promise<string | null> {
  const settings = await readPaymentsSettings(ctx)
  const key = ctx.get('x-provider-api-appkey') || ctx.get('x-vtex-api-appkey') || undefined
  const token = ctx.get('x-provider-api-apptoken') || ctx.get('x-vtex-api-apptoken') || undefined
  const keyOk = same(key, settings.appKey)
  const tokenOk = same(token, settings.appToken)
  if (keyOk && tokenOk && key) return key
  ctx.status = 401
  ctx.body = {
    status: 'error',
    code: PAYMENT_CREDENTIALS_INVALID,
    message: settings.appKey && settings.appToken ? 'app key or app token missing or wrong' : 'the connector has no credentials configured: every call is refused',
  }
  return null
}

async function jsonBody(ctx: Context): Promise<unknown> {
  const raw = await readBody(ctx.req, MAX_BODY)
  if (raw.length > MAX_BODY - 1) throw new PonteError(PAYMENT_REQUEST_MALFORMED, 'the body is too large')
  try {
    const body = JSON.parse(raw) as unknown
    if (!body || typeof body !== 'object' || Array.isArray(body)) throw new Error('not an object')
    return body
  } catch {
    throw new PonteError(PAYMENT_REQUEST_MALFORMED, 'the body is not a JSON object')
  }
}

function codeOf(e: unknown): { code: string; message: string; mine: boolean } {
  if (e instanceof PonteError) return { code: e.code, message: e.message, mine: e.level === 'warn' }
  return { code: 'INTERNAL', message: 'internal error', mine: false }
}

const param = (ctx: Context, name: string): string => {
  const v = (ctx.vtex.route?.params as Record<string, string | string[] | undefined> | undefined)?.[name]
  return typeof v === 'string' ? decodeURIComponent(v) : ''
}

const requestIdOf = (body: unknown): string | null => {
  const r = (body as { requestId?: unknown } | null)?.requestId
  return typeof r === 'string' ? r : null
}

export async function paymentManifest(ctx: Context, next: () => Promise<unknown>): Promise<void> {
  ctx.set('Cache-Control', 'no-store')
  ctx.body = manifest
  await next()
}

export async function paymentMethodsRoute(ctx: Context, next: () => Promise<unknown>): Promise<void> {
  ctx.set('Cache-Control', 'no-store')
  ctx.body = { paymentMethods: paymentMethods.map((m) => m.name) }
  await next()
}

/**
 * A payment route: the caller's credentials first (without them, the 401 of
 * {@link credentials} and nothing else), then `handle` (given when the call started), then the
 * next middleware, then what `handle` left to run after the answer.
 */
function credentialed(
  handle: (ctx: Context, appKey: string, started: number) => Promise<void | (() => void)>,
  check: (ctx: Context) => Promise<string | null> = credentials
) {
  return async function route(ctx: Context, next: () => Promise<unknown>): Promise<void> {
    const started = Date.now()
    ctx.set('Cache-Control', 'no-store')
    const appKey = await check(ctx)
    const after = appKey === null ? undefined : await handle(ctx, appKey, started)
    await next()
    if (after) after()
  }
}

export const createPayment = credentialed(async (ctx, appKey, started) => {
  let followAfter: (() => void) | undefined
  try {
    const body = await jsonBody(ctx)
    const deps = await paymentsDeps(ctx, appKey)
    const { answer } = await authorize(deps, body, started)
    if (answer.status === 'undefined') {
      // Durable before the answer: the callback once the ERP decides (payments/callback.ts).
      const pending = await rememberCallback(deps, body, answer.paymentId).catch((e: unknown) => {
        deps.logger.warn({ message: 'payments: a pending callback could not be written', error: (e as Error).message })
        return null
      })
      if (pending) followAfter = () => void followUp(deps, gatewayClient(ctx), answer.paymentId).catch(() => undefined)
    }
    kickResume(ctx, deps)
    ctx.status = 200
    ctx.body = answer
  } catch (e) {
    const { code, message, mine } = codeOf(e)
    if (!mine) ctx.vtex.logger.error({ message: 'payments: create failed', code })
    ctx.status = mine ? 400 : 500
    ctx.body = { status: 'error', code, message }
  }
  return followAfter
})

/**
 * Pending callbacks are resumed from the gateway's traffic, at most every few seconds per
 * replica; and the callbacks tick is kept scheduled (payments/tick.ts), for when traffic stops.
 */
function kickResume(ctx: Context, deps: PaymentsDeps): void {
  if (resumeDue(Date.now())) void resumeCallbacks(deps, gatewayClient(ctx)).catch(() => undefined)
  const scheduler = () => jobScoped(ctx.vtex, Scheduler, { retries: 0, timeout: 5000 })
  void ensureCallbacksTick(deps.settings, ctx.vtex.account, ctx.vtex.workspace, Date.now(), (c) => scheduler().put(appId(), c), (m) => deps.logger.warn(m))
}

/**
 * `POST /_v/ponte/payments/callbacks` (route `paymentCallbacks`, the connector's credentials):
 * delivers the pending callbacks that are due now, on this replica (vtex.scheduler, an
 * operator). Answers `{delivered, waiting, dropped, busy}`.
 */
export const paymentCallbacks = credentialed(
  async (ctx, appKey) => {
    const deps = await paymentsDeps(ctx, appKey)
    ctx.status = 200
    ctx.body = await resumeCallbacks(deps, gatewayClient(ctx))
  },
  async (ctx) => {
    const settings = await readPaymentsSettings(ctx)
    const tick = same(ctx.get(CALLBACKS_TICK_HEADER) || undefined, tickToken(settings, ctx.vtex.account, ctx.vtex.workspace))
    // The scheduler acts for the gateway whose pair is configured: its app key is the audit's actor.
    return tick && settings.appKey ? settings.appKey : credentials(ctx)
  }
)

type Kind = 'settlements' | 'refunds' | 'cancellations'

function movementRoute(kind: Kind) {
  return credentialed(async (ctx, appKey, started) => {
    const paymentId = param(ctx, 'paymentId')
    let body: unknown = null
    try {
      body = await jsonBody(ctx)
      const deps = await paymentsDeps(ctx, appKey)
      kickResume(ctx, deps)
      if (kind === 'cancellations') {
        ctx.body = await cancel(deps, paymentId, body, started)
      } else {
        const a = await (kind === 'settlements' ? settle : refund)(deps, paymentId, body, started)
        const { id, ...rest } = a
        ctx.body = kind === 'settlements' ? { ...rest, settleId: id } : { ...rest, refundId: id }
      }
      ctx.status = 200
    } catch (e) {
      const { code, message, mine } = codeOf(e)
      if (!mine) ctx.vtex.logger.error({ message: `payments: ${kind} failed`, code })
      const base = { paymentId, code, message, requestId: requestIdOf(body) }
      ctx.status = 500
      ctx.body =
        kind === 'cancellations'
          ? { ...base, cancellationId: null }
          : kind === 'settlements'
            ? { ...base, settleId: null, value: 0 }
            : { ...base, refundId: null, value: 0 }
    }
  })
}

export const cancelPayment = movementRoute('cancellations')
export const settlePayment = movementRoute('settlements')
export const refundPayment = movementRoute('refunds')

export const inboundPayment = credentialed(async (ctx) => {
  ctx.status = 501
  ctx.body = { paymentId: param(ctx, 'paymentId'), code: 'inbound-not-supported', message: 'this connector takes no inbound requests' }
})
