/**
 * The typed facade over ponte-core's pricing (WebAssembly): the computed price of an SKU with
 * the rule that decided it (§D.3), and the price sync plan (§D.5). Batch errors come back as
 * data (every error at once, each with a path and a stable code); a batch that does not even
 * have the batch's shape is thrown as BATCH_MALFORMED.
 */
import * as core from '../generated/ponte_wasm'
import type { ComputePriceRequest, ComputePriceResponse, PriceBatch, PriceSyncResponse, PricingState } from '../generated/ponte_wasm'
import { callCore } from '../lib/core'
import { PonteError } from '../lib/errors'

export type {
  ComputePriceRequest, ComputePriceResponse, FixedPrice, KnownSku, Price, PriceBatch, PriceItem, PricePlan, PricePut,
  PriceRule, PriceSyncResponse, PriceWrite, PricingConfig, PricingError, PricingState
} from '../generated/ponte_wasm'

export const BATCH_MALFORMED = 'BATCH_MALFORMED'

const malformed = (what: string) => (message: string) =>
  new PonteError(BATCH_MALFORMED, `the ${what} does not have the expected shape: ${message}`)

/** Every error of the batch, or at most one write per SKU, only where something changes. */
export function planPriceSync(current: PricingState, batch: PriceBatch): PriceSyncResponse {
  return callCore(() => core.plan_price_sync({ current, batch }), { malformed: malformed('price batch') })
}

/** The selling price of an SKU in a table for a quantity at an instant, with what decided it. */
export function computePrice(request: ComputePriceRequest): ComputePriceResponse {
  return callCore(() => core.compute_price(request), { malformed: malformed('price request') })
}
