/**
 * Pricing v2 (§D.1) on `api.vtex.com/{account}/pricing/...` (the Pricing OpenAPI file's
 * `servers`; plain HTTP with `X-Vtex-Use-Https`, the app's own token as `VtexIdclientAutCookie`).
 * Shapes: docs/vtex/D-pricing.md and the Pricing OpenAPI file (tests/openapi/spec/).
 *
 * Retries and pacing belong to the caller (the sync job's {@link Pacer} and Throttle): the
 * writes answer the `Ratelimit-*` headers so that the pacer can follow what VTEX says is left.
 */
import type { InstanceOptions, IOContext } from '@vtex/api'
import { ExternalClient } from '@vtex/api'

import type { FixedPrice, Price, PricePut, PriceRule, PricingConfig } from '../pricing/core'
import { withAppToken } from './accountHost'

/**
 * Every path this client calls (`{account}` is the account's name); manifest.test.ts checks each
 * has an outbound-access policy. VTEX documents `{{account}}` only in a policy's host, so the
 * policy for `api.vtex.com` is `/*`, as VTEX's own Master Data examples on that host write it.
 */
export const PRICING_PATHS = { pricing: '/{account}/pricing/*' } as const

/** What a rate-limited route said about its budget (`Ratelimit-Remaining`, `Ratelimit-Reset`). */
export interface RateBudget {
  remaining: number | null
  resetSeconds: number | null
}

function budget(headers: Record<string, unknown> | undefined): RateBudget {
  const num = (name: string) => {
    const v = headers?.[name]
    const n = v === undefined || v === null ? NaN : Number(v)
    return Number.isFinite(n) ? n : null
  }
  return { remaining: num('ratelimit-remaining'), resetSeconds: num('ratelimit-reset') }
}

export class Pricing extends ExternalClient {
  constructor(context: IOContext, options?: InstanceOptions) {
    super(`http://api.vtex.com/${context.account}`, context, withAppToken(context, options, ['VtexIdclientAutCookie']))
  }

  /** An SKU's price; null when it has none (404). */
  public async price(itemId: number): Promise<Price | null> {
    try {
      // VTEX answers `itemId` as a string ("1", the Get price example); the core reads a number.
      const held = await this.http.get<Omit<Price, 'itemId'> & { itemId: string | number }>(`/pricing/prices/${itemId}`, { metric: 'pricing-get' })
      return { ...held, itemId: Number(held.itemId) }
    } catch (e) {
      if ((e as { response?: { status?: number } }).response?.status === 404) return null
      throw e
    }
  }

  /** `PUT /pricing/prices/{itemId}`: replaces the base price and every fixed price. */
  public async put(itemId: number, body: PricePut): Promise<RateBudget> {
    const res = await this.http.putRaw(`/pricing/prices/${itemId}`, body, { metric: 'pricing-put' })
    return budget(res.headers)
  }

  /** `PATCH /pricing/prices/{itemId}/fixed`: upserts the listed fixed prices. */
  public async patchFixed(itemId: number, fixed: FixedPrice[]): Promise<RateBudget> {
    // The runtime's HttpClient has no raw PATCH: the pacer's own bucket covers these.
    await this.http.patch<unknown>(`/pricing/prices/${itemId}/fixed`, fixed, { metric: 'pricing-patch-fixed' })
    return { remaining: null, resetSeconds: null }
  }

  /** The account's price tables (`["1", "b2b", …]`). */
  public tables(): Promise<string[]> {
    return this.http.get<string[]>('/pricing/tables', { metric: 'pricing-tables' })
  }

  /**
   * A price table's rules (`GET /pricing/pipeline/catalog/{priceTableId}`, §D.1); none when the
   * table has none (an empty list, or 404).
   */
  public async rules(priceTable: string): Promise<PriceRule[]> {
    try {
      const got = await this.http.get<{ rules?: PriceRule[] | null }>(`/pricing/pipeline/catalog/${encodeURIComponent(priceTable)}`, {
        metric: 'pricing-rules',
      })
      return got?.rules ?? []
    } catch (e) {
      if ((e as { response?: { status?: number } }).response?.status === 404) return []
      throw e
    }
  }

  public config(): Promise<PricingConfig> {
    return this.http.get<PricingConfig>('/pricing/config', { metric: 'pricing-config' })
  }
}
