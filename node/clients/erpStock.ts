/**
 * The ERP's stock counts, for the refresh after an invoiced order (inventory/refresh.ts): VTEX
 * advises refreshing an SKU's stock from the system of record once its order is invoiced, so
 * that the order's acknowledged reservation clears (§E.4). Reached like the order endpoint
 * (clients/erp.ts): `{erpEndpoint}` from the app settings, `https://` through the outbound proxy
 * with `X-Vtex-Use-Https`, `authorization: Bearer <erpToken>` when set.
 *
 * - `POST {erp}/stock/counts` `{skus: [{refId?, ean?}]}` → 200 `{counts: [{refId?, ean?,
 *   warehouse, quantity, unlimitedQuantity?, leadTime?, dateUtcOnBalanceSystem?}]}`: the ERP's
 *   current count of each SKU in each warehouse that holds it (as ponte-sim's ERP serves it:
 *   crates/sim/src/erp/stock_counts.rs).
 *
 * Errors never carry the request (it holds the token): a failure is `null`.
 */
import type { InstanceOptions, IOContext } from '@vtex/api'
import { ExternalClient } from '@vtex/api'

import type { InventoryBatch, StockCount } from '../inventory/core'
import { viaProxy } from './erp'

export interface SkuRef {
  refId?: string
  ean?: string
}

export interface ErpStockApi {
  /** The ERP's counts for `skus`, or null when it did not answer them. */
  counts(endpoint: string, token: string | null, skus: SkuRef[], timeoutMs: number): Promise<InventoryBatch | null>
}

export class ErpStock extends ExternalClient implements ErpStockApi {
  constructor(context: IOContext, options?: InstanceOptions) {
    super('', context, options)
  }

  public async counts(endpoint: string, token: string | null, skus: SkuRef[], timeoutMs: number): Promise<InventoryBatch | null> {
    const { url, headers } = viaProxy(`${endpoint.replace(/\/+$/, '')}/stock/counts`)
    try {
      const r = await this.http.postRaw<{ counts?: unknown }>(
        url,
        { skus },
        {
          metric: 'erp-stock-counts',
          headers: { ...headers, 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
          timeout: timeoutMs,
          validateStatus: () => true,
        }
      )
      if (r.status !== 200 || !Array.isArray(r.data?.counts)) return null
      return { counts: r.data.counts as StockCount[] }
    } catch {
      return null
    }
  }
}
