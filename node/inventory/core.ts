/**
 * The typed facade over ponte-core's inventory (WebAssembly): the stock sync plan (§E.5, an
 * older count never overwrites a newer one) and an SKU's availability in a trade policy (§E.3).
 */
import * as core from '../generated/ponte_wasm'
import type { Availability, InventoryBatch, InventoryState, InventorySyncResponse, SkuId } from '../generated/ponte_wasm'
import { callCore } from '../lib/core'
import { PonteError } from '../lib/errors'
import { BATCH_MALFORMED } from '../pricing/core'

export type {
  Availability, Dock, InventoryBatch, InventoryEntry, InventoryPlan, InventoryState, InventorySyncResponse, InventoryWrite,
  Reservation, StockCount, Warehouse
} from '../generated/ponte_wasm'

const malformed = (what: string) => (message: string) =>
  new PonteError(BATCH_MALFORMED, `the ${what} does not have the expected shape: ${message}`)

/** Every error of the counts, or the writes that change something. `now` dates undated counts. */
export function planInventorySync(current: InventoryState, batch: InventoryBatch, now: string): InventorySyncResponse {
  return callCore(() => core.plan_inventory_sync({ current, batch, now }), { malformed: malformed('stock batch') })
}

export function availability(current: InventoryState, skuId: SkuId, tradePolicyId: string): Availability {
  return callCore(() => core.availability({ current, skuId, tradePolicyId }), { malformed: malformed('availability request') })
}
