/**
 * Logistics (§E.1–E.4) on the account's host: warehouses and docks (read), an SKU's inventory
 * per warehouse (read, `PUT`, `PATCH .../quantity`, `PATCH .../lead-time`), its reservations (read). The app's own token
 * as `VtexIdclientAutCookie`; retries belong to the caller (the sync job's Throttle: a `423`
 * lock is retried after a wait there).
 */
import type { InstanceOptions, IOContext } from '@vtex/api'
import { ExternalClient } from '@vtex/api'

import type { Dock, Warehouse } from '../inventory/core'
import { accountHost, withAppToken } from './accountHost'

/** Every path this client calls; manifest.test.ts checks each has an outbound-access policy. */
export const LOGISTICS_PATHS = { logistics: '/api/logistics/pvt/*' } as const

/** One warehouse's line of `GET .../inventory/skus/{skuId}`. */
export interface VtexBalance {
  warehouseId: string
  warehouseName?: string
  totalQuantity: number
  reservedQuantity: number
  hasUnlimitedQuantity: boolean
  leadTime?: string | null
}

/**
 * One reservation as `GET .../inventory/reservations/{warehouseId}/{skuId}` lists it (the
 * `ReservationById` shape, §E.4): `Status` 1 authorized, 2 confirmed (VTEX has no value for
 * acknowledged or cleared, §H.9), 0 and 3–5 not holding stock.
 */
export interface VtexReservation {
  LockId: string
  Status: number
  MaximumConfirmationDateUtc?: string | null
  LastUpdateDateUtc?: string | null
  SlaRequest?: Array<{ item?: { id?: string | number; quantity?: number }; wareHouseId?: string }> | null
}

/** The body of `PUT .../skus/{skuId}/warehouses/{warehouseId}` (§E.2). */
export interface InventoryPut {
  quantity: number
  unlimitedQuantity: boolean
  leadTime?: string
  dateUtcOnBalanceSystem?: string | null
}

const INVENTORY = '/api/logistics/pvt/inventory/skus'
const CONFIG = '/api/logistics/pvt/configuration'

export class Logistics extends ExternalClient {
  constructor(context: IOContext, options?: InstanceOptions) {
    super(accountHost(context), context, withAppToken(context, options, ['VtexIdclientAutCookie']))
  }

  public warehouses(): Promise<Warehouse[]> {
    return this.http.get<Warehouse[]>(`${CONFIG}/warehouses`, { metric: 'logistics-warehouses' })
  }

  public docks(): Promise<Dock[]> {
    return this.http.get<Dock[]>(`${CONFIG}/docks`, { metric: 'logistics-docks' })
  }

  /** The SKU's balance per warehouse (an SKU with none answers an empty list). */
  public async balance(skuId: number): Promise<VtexBalance[]> {
    const got = await this.http.get<{ balance?: VtexBalance[] }>(`${INVENTORY}/${skuId}`, { metric: 'logistics-inventory' })
    return got.balance ?? []
  }

  /** The reservations holding the SKU in the warehouse (§E.4). */
  public async reservations(warehouseId: string, skuId: number): Promise<VtexReservation[]> {
    const got = await this.http.get<VtexReservation[] | null>(`/api/logistics/pvt/inventory/reservations/${encodeURIComponent(warehouseId)}/${skuId}`, {
      metric: 'logistics-reservations',
    })
    return Array.isArray(got) ? got : []
  }

  public put(skuId: number, warehouseId: string, body: InventoryPut): Promise<unknown> {
    return this.http.put(`${INVENTORY}/${skuId}/warehouses/${encodeURIComponent(warehouseId)}`, body, { metric: 'logistics-put' })
  }

  public patchQuantity(skuId: number, warehouseId: string, body: { quantity: number; unlimitedQuantity: boolean; dateUtcOnBalanceSystem?: string | null }): Promise<unknown> {
    return this.http.patch(`${INVENTORY}/${skuId}/warehouses/${encodeURIComponent(warehouseId)}/quantity`, body, { metric: 'logistics-patch-quantity' })
  }

  public patchLeadTime(skuId: number, warehouseId: string, leadTime: string): Promise<unknown> {
    return this.http.patch(`${INVENTORY}/${skuId}/warehouses/${encodeURIComponent(warehouseId)}/lead-time`, { leadTime }, { metric: 'logistics-patch-lead-time' })
  }
}
