/**
 * The ERP's credit accounts, for the payment connector (payments/): the ERP keeps each
 * customer's limit, the holds placed on it and the unpaid invoices; Ponte reads the account,
 * places a hold per payment, and turns it into a receivable (capture), gives it back
 * (release) or credits a receivable back (refund). Reached like the order endpoint
 * (clients/erp.ts): `{erpEndpoint}` from the app settings, `https://` through the outbound proxy
 * with `X-Vtex-Use-Https`, `authorization: Bearer <erpToken>` when set. Amounts in cents.
 *
 * - `GET {erp}/credit/accounts/{customer}?holdId={paymentId}` → 200
 *   `{customer, limit, openHolds, unpaidInvoices, blocked?, currency?, existingHold?}` (the hold
 *   of that id when the ERP has one), 404 unknown account.
 * - `POST {erp}/credit/accounts/{customer}/holds` `{holdId, value}` → 201 placed, 200 the same
 *   hold again; 422 the credit is short (the ERP's own check, atomic per account); 409 the hold
 *   id was released before (a cancelled payment is never held).
 * - `POST {erp}/credit/holds/{holdId}/captures` `{requestId, value}`, `/refunds` `{requestId,
 *   value}`, `/release` `{requestId}` → 2xx; each idempotent by `requestId` (release by hold).
 *
 * Every call has a deadline (the protocol's 5 s answer, payments/flow.ts): a call that misses
 * it counts as no answer. Errors never carry the request (it holds the token).
 */
import type { InstanceOptions, IOContext } from '@vtex/api'
import { ExternalClient } from '@vtex/api'

import type { CreditAccount, ErpCreditAction } from '../payments/core'
import { viaProxy } from './erp'

export type AccountAnswer = { kind: 'account'; account: CreditAccount } | { kind: 'unknownAccount' } | { kind: 'unavailable' }
export type HoldAnswer = { kind: 'placed' } | { kind: 'short' } | { kind: 'released' } | { kind: 'unavailable' }

export interface ErpCreditApi {
  account(endpoint: string, token: string | null, customer: string, holdId: string, timeoutMs: number): Promise<AccountAnswer>
  hold(endpoint: string, token: string | null, customer: string, holdId: string, value: number, timeoutMs: number): Promise<HoldAnswer>
  /** true when the ERP confirmed the action. */
  perform(endpoint: string, token: string | null, action: ErpCreditAction, timeoutMs: number): Promise<boolean>
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : null)

/** The ERP's account JSON, checked (amounts are non-negative integer cents). */
export function parseAccount(raw: unknown, customer: string): CreditAccount | null {
  if (!raw || typeof raw !== 'object') return null
  const a = raw as Record<string, unknown>
  const limit = num(a.limit)
  const openHolds = num(a.openHolds)
  const unpaidInvoices = num(a.unpaidInvoices)
  if (limit === null || openHolds === null || unpaidInvoices === null) return null
  const hold = a.existingHold as Record<string, unknown> | null | undefined
  const holdValue = hold && typeof hold === 'object' ? num(hold.value) : null
  return {
    customer,
    limit,
    openHolds,
    unpaidInvoices,
    blocked: a.blocked === true,
    currency: typeof a.currency === 'string' ? a.currency : null,
    existingHold: hold && typeof hold.holdId === 'string' && holdValue !== null ? { holdId: hold.holdId, value: holdValue } : null,
  }
}

export class ErpCredit extends ExternalClient implements ErpCreditApi {
  constructor(context: IOContext, options?: InstanceOptions) {
    super('', context, options)
  }

  private headers(token: string | null, base: Record<string, string>): Record<string, string> {
    return { ...base, 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }
  }

  public async account(endpoint: string, token: string | null, customer: string, holdId: string, timeoutMs: number): Promise<AccountAnswer> {
    const { url, headers } = viaProxy(`${endpoint}/credit/accounts/${encodeURIComponent(customer)}?holdId=${encodeURIComponent(holdId)}`)
    try {
      const r = await this.http.getRaw(url, { metric: 'erp-credit-account', headers: this.headers(token, headers), timeout: timeoutMs, validateStatus: () => true })
      if (r.status === 404) return { kind: 'unknownAccount' }
      if (r.status !== 200) return { kind: 'unavailable' }
      const account = parseAccount(r.data, customer)
      return account ? { kind: 'account', account } : { kind: 'unavailable' }
    } catch {
      return { kind: 'unavailable' }
    }
  }

  public async hold(endpoint: string, token: string | null, customer: string, holdId: string, value: number, timeoutMs: number): Promise<HoldAnswer> {
    const { url, headers } = viaProxy(`${endpoint}/credit/accounts/${encodeURIComponent(customer)}/holds`)
    try {
      const r = await this.http.postRaw(url, { holdId, value }, { metric: 'erp-credit-hold', headers: this.headers(token, headers), timeout: timeoutMs, validateStatus: () => true })
      if (r.status === 200 || r.status === 201) return { kind: 'placed' }
      if (r.status === 422) return { kind: 'short' }
      if (r.status === 409) return { kind: 'released' }
      return { kind: 'unavailable' }
    } catch {
      return { kind: 'unavailable' }
    }
  }

  public async perform(endpoint: string, token: string | null, action: ErpCreditAction, timeoutMs: number): Promise<boolean> {
    const hold = encodeURIComponent(action.holdId)
    const [path, body, metric] =
      action.kind === 'capture'
        ? [`captures`, { requestId: action.requestId, value: action.value }, 'erp-credit-capture']
        : action.kind === 'refund'
          ? [`refunds`, { requestId: action.requestId, value: action.value }, 'erp-credit-refund']
          : [`release`, { requestId: action.requestId }, 'erp-credit-release']
    const { url, headers } = viaProxy(`${endpoint}/credit/holds/${hold}/${path}`)
    try {
      const r = await this.http.postRaw(url, body, { metric, headers: this.headers(token, headers), timeout: timeoutMs, validateStatus: () => true })
      return r.status >= 200 && r.status < 300
    } catch {
      return false
    }
  }
}
