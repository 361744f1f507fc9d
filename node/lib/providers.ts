/**
 * What the two provider protocols Ponte serves share (§G): the settings, the credentials VTEX
 * sends (`X-PROVIDER-API-AppKey` / `X-PROVIDER-API-AppToken`, compared in constant time with
 * the `providerAppKey` / `providerAppToken` settings; 401 otherwise, and every call refused while
 * they are not set), the request and reply of a protocol handler (plain data, so handlers are
 * unit-tested without koa), and the adapter that serves a handler as a route.
 */
import { timingSafeEqual } from 'crypto'

import type { Context } from '../clients'
import { appId } from '../sso'
import { erpEndpointOf } from '../orders/settings'
import { readBody } from '../routes/orders'
import { PonteError } from './errors'

export interface ProviderSettings {
  appKey: string | null
  appToken: string | null
  /** https only (as the orders' ERP endpoint). */
  erpEndpoint: string | null
  erpToken: string | null
  /** `provider` in `_search` items. */
  giftCardProviderName: string
  /** VTEX's homologation ids decide by their last digit (§G.3); the homologation account only. */
  antifraudHomologation: boolean
  /** Weights and thresholds (the core's RiskPolicy); defaults where absent. */
  riskPolicy: Record<string, unknown>
}

const str = (v: unknown): string | null => (typeof v === 'string' && v.trim() !== '' ? v : null)

export function parseProviderSettings(raw: unknown): ProviderSettings {
  const s = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>
  return {
    appKey: str(s.providerAppKey),
    appToken: str(s.providerAppToken),
    erpEndpoint: erpEndpointOf(str(s.erpEndpoint)),
    erpToken: str(s.erpToken),
    giftCardProviderName: str(s.giftCardProviderName) ?? 'ponte',
    antifraudHomologation: s.antifraudHomologation === true,
    riskPolicy: s.riskPolicy && typeof s.riskPolicy === 'object' ? (s.riskPolicy as Record<string, unknown>) : {},
  }
}

export async function readProviderSettings(ctx: Context): Promise<ProviderSettings> {
  return parseProviderSettings(await ctx.clients.apps.getAppSettings(appId()))
}

export const APP_KEY_HEADER = 'x-provider-api-appkey'
export const APP_TOKEN_HEADER = 'x-provider-api-apptoken'
export const PROVIDER_CREDENTIALS_INVALID = 'PROVIDER_CREDENTIALS_INVALID'
export const BODY_INVALID = 'PROVIDER_BODY_INVALID'

function same(given: string | undefined, expected: string | null): boolean {
  if (!given || !expected) return false
  const a = Buffer.from(given)
  const b = Buffer.from(expected)
  return a.length === b.length && timingSafeEqual(a, b)
}

/** Whether the request carries the provider's credentials. */
export function credentialsMatch(headers: Record<string, string | undefined>, s: ProviderSettings): boolean {
  return same(headers[APP_KEY_HEADER], s.appKey) && same(headers[APP_TOKEN_HEADER], s.appToken)
}

export interface ProviderRequest {
  method: string
  params: Record<string, string>
  /** Lower-case names. */
  headers: Record<string, string | undefined>
  /** The parsed JSON body (undefined when none). */
  body: unknown
}

export interface ProviderReply {
  status: number
  body?: unknown
  headers?: Record<string, string>
}

export const reply = (status: number, body?: unknown, headers?: Record<string, string>): ProviderReply => ({ status, body, headers })

/** A protocol error answer: `{code, message}`. */
export const refusal = (status: number, code: string, message: string): ProviderReply => reply(status, { code, message })

/** Serves a handler as a route: credentials first, the body parsed, errors to `{code, message}`. */
export function providerRoute(
  handle: (ctx: Context, settings: ProviderSettings, req: ProviderRequest) => Promise<ProviderReply>,
  opts: { credentials: boolean; contentType: string }
) {
  return async (ctx: Context) => {
    const settings = await readProviderSettings(ctx)
    const headers: Record<string, string | undefined> = {}
    for (const [k, v] of Object.entries(ctx.headers ?? {})) headers[k.toLowerCase()] = Array.isArray(v) ? v[0] : v
    let out: ProviderReply
    if (opts.credentials && !credentialsMatch(headers, settings)) {
      out = refusal(
        401,
        PROVIDER_CREDENTIALS_INVALID,
        settings.appKey && settings.appToken ? 'X-PROVIDER-API-AppKey or AppToken is missing or wrong' : 'providerAppKey and providerAppToken are not configured: every call is refused'
      )
    } else {
      let body: unknown
      const raw = ctx.method === 'GET' || ctx.method === 'DELETE' ? '' : await readBody(ctx.req, 256 * 1024)
      try {
        body = raw.trim() === '' ? undefined : JSON.parse(raw)
      } catch {
        body = Symbol.for('invalid')
      }
      if (body === Symbol.for('invalid')) {
        out = refusal(400, BODY_INVALID, 'the body is not JSON')
      } else {
        try {
          out = await handle(ctx, settings, { method: ctx.method, params: (ctx.vtex.route?.params ?? {}) as Record<string, string>, headers, body })
        } catch (e) {
          if (e instanceof PonteError) {
            out = refusal(e.code.endsWith('_UNAVAILABLE') ? 503 : 400, e.code, e.message)
          } else {
            ctx.vtex.logger.error({ message: 'provider route failed', route: ctx.vtex.route?.id, error: e instanceof Error ? e.message : String(e) })
            out = refusal(500, 'PROVIDER_INTERNAL', 'internal error')
          }
        }
      }
    }
    ctx.status = out.status
    for (const [k, v] of Object.entries(out.headers ?? {})) ctx.set(k, v)
    if (out.body !== undefined) {
      ctx.body = JSON.stringify(out.body)
      ctx.set('Content-Type', opts.contentType)
    }
  }
}
