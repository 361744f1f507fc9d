/**
 * The connector's settings, from two places, as the Payment Provider Framework has them:
 *
 * - the app settings (manifest.json `settingsSchema`): the credentials the gateway must send
 *   (`paymentAppKey`, `paymentAppToken`: the pair the merchant types into the affiliation, sent
 *   as `X-PROVIDER-API-AppKey`/`-AppToken`), the ERP endpoint and token (shared with the
 *   orders flow), and `paymentsTuning` (the ERP's share of the 5 s answer);
 * - the affiliation's custom fields (paymentProvider/configuration.json `customFields`), which
 *   the gateway sends in each create as `merchantSettings[{name, value}]`: the delays and which
 *   buyer field names the credit account. The core checks the delays against VTEX's bounds.
 */
import { erpEndpointOf } from '../orders/settings'
import { checkTickExpression } from '../orders/setup'
import type { PaymentSettings } from './core'

export interface PaymentsSettings {
  appKey: string | null
  appToken: string | null
  erpEndpoint: string | null
  erpToken: string | null
  /** The ERP calls of one answer share this budget; what is left when it runs out is `undefined`. */
  erpBudgetMs: number
  /** Optimistic-concurrency retries of one record write. */
  casAttempts: number
  /** A pending callback (payments/callback.ts) is tried again after `callbackFirstMs`, doubling up to `callbackMaxMs`. */
  callbackFirstMs: number
  callbackMaxMs: number
  /** The callbacks tick's Quartz expression (tick.ts; `paymentsTuning.callbacksTick`). */
  callbacksTick: string
}

export const DEFAULT_ERP_BUDGET_MS = 3500
export const DEFAULT_CALLBACK_FIRST_MS = 2000
/** Five minutes: VTEX's own retry of an undefined payment is every 5 minutes at its fastest (§G.1). */
export const DEFAULT_CALLBACK_MAX_MS = 300_000
/** Every minute, at second 30 (Quartz; the orders ticks run at second 0). */
export const DEFAULT_CALLBACKS_TICK = '30 * * ? * *'
const finite = (v: unknown, d: number): number => (typeof v === 'number' && Number.isFinite(v) ? Math.floor(v) : d)
/** Below VTEX's 5 s even with the record's reads and writes. */
export const MAX_ERP_BUDGET_MS = 4000
/** Credentials shorter than this count as none (every call refused). */
export const MIN_CREDENTIAL_LENGTH = 8

const str = (v: unknown): string | null => (typeof v === 'string' && v.trim() !== '' ? v.trim() : null)

/** A Quartz expression, else the default (a bad setting never stops the connector). */
function tickExpression(v: unknown): string {
  try {
    return typeof v === 'string' ? checkTickExpression(v) : DEFAULT_CALLBACKS_TICK
  } catch {
    return DEFAULT_CALLBACKS_TICK
  }
}

export function parsePaymentsSettings(raw: unknown): PaymentsSettings {
  const s = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>
  const t = (s.paymentsTuning && typeof s.paymentsTuning === 'object' ? s.paymentsTuning : {}) as Record<string, unknown>
  const budget = typeof t.erpBudgetMs === 'number' && Number.isFinite(t.erpBudgetMs) ? t.erpBudgetMs : DEFAULT_ERP_BUDGET_MS
  const cas = typeof t.casAttempts === 'number' && Number.isFinite(t.casAttempts) ? Math.floor(t.casAttempts) : 5
  const credential = (v: unknown) => {
    const c = str(v)
    return c && c.length >= MIN_CREDENTIAL_LENGTH ? c : null
  }
  return {
    appKey: credential(s.paymentAppKey),
    appToken: credential(s.paymentAppToken),
    erpEndpoint: erpEndpointOf(str(s.erpEndpoint)),
    erpToken: str(s.erpToken),
    erpBudgetMs: Math.max(100, Math.min(MAX_ERP_BUDGET_MS, budget)),
    casAttempts: Math.max(1, Math.min(20, cas)),
    callbackFirstMs: Math.max(100, Math.min(60_000, finite(t.callbackFirstMs, DEFAULT_CALLBACK_FIRST_MS))),
    callbackMaxMs: Math.max(1000, Math.min(3_600_000, finite(t.callbackMaxMs, DEFAULT_CALLBACK_MAX_MS))),
    callbacksTick: tickExpression(t.callbacksTick),
  }
}

/** The custom fields' names, as configuration.json declares them. */
export const FIELD_DELAY_TO_CANCEL = 'Minutes to wait for the ERP before cancelling'
export const FIELD_DELAY_TO_AUTO_SETTLE = 'Days before settling without an invoice'
export const FIELD_CUSTOMER_KEY = 'Buyer field naming the credit account'

/**
 * The core's settings from a create's `merchantSettings`: unknown or empty fields keep the
 * core's defaults; a number outside VTEX's bounds is passed on for the core to refuse.
 */
export function coreSettings(merchantSettings: unknown): Partial<PaymentSettings> {
  const out: Partial<PaymentSettings> = {}
  if (!Array.isArray(merchantSettings)) return out
  for (const f of merchantSettings) {
    if (!f || typeof f !== 'object') continue
    const { name, value } = f as { name?: unknown; value?: unknown }
    const text = typeof value === 'string' ? value.trim() : typeof value === 'number' ? String(value) : ''
    if (text === '') continue
    const n = Number(text)
    if (name === FIELD_DELAY_TO_CANCEL && Number.isInteger(n) && n >= 0) out.delayToCancel = n * 60
    if (name === FIELD_DELAY_TO_AUTO_SETTLE && Number.isInteger(n) && n >= 0) {
      out.delayToAutoSettle = n * 86400
      out.delayToAutoSettleAfterAntifraud = n * 86400
    }
    if (name === FIELD_CUSTOMER_KEY && (text === 'document' || text === 'email' || text === 'id')) out.customerKey = text
  }
  return out
}
