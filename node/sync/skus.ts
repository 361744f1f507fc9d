/**
 * The SKUs a price or stock batch names, looked up in the Catalog by their natural keys (RefId
 * and EAN, each key the batch gives), for the core to resolve: it refuses a key that names no
 * SKU and a pair of keys that name two.
 */
import type { KnownSku } from '../pricing/core'
import type { Throttle } from '../lib/throttle'
import type { RetryPolicy } from '../lib/retry'

export interface SkuKeyed {
  refId?: string | null
  ean?: string | null
}

export interface SkuLookups {
  skuIdByRefId(refId: string): Promise<number | null>
  skuByEan(ean: string): Promise<{ Id: number } | null>
}

/** Runs `work` over `items` with at most `concurrency` in flight. */
export async function pool<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0
  const worker = async () => {
    while (next < items.length) await work(items[next++])
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker))
}

/** Every SKU the keys name, once per (id), with the keys it was found by. */
export async function readSkus(
  catalog: SkuLookups,
  keys: readonly SkuKeyed[],
  throttle: Throttle,
  retry: RetryPolicy,
  concurrency: number
): Promise<KnownSku[]> {
  const refIds = [...new Set(keys.flatMap((k) => (k.refId ? [k.refId] : [])))]
  const eans = [...new Set(keys.flatMap((k) => (k.ean ? [k.ean] : [])))]
  const byId = new Map<number, KnownSku>()
  const known = (id: number) => {
    let sku = byId.get(id)
    if (!sku) {
      sku = { id }
      byId.set(id, sku)
    }
    return sku
  }
  await pool(refIds, concurrency, async (refId) => {
    const id = await throttle.retrying(() => catalog.skuIdByRefId(refId), retry)
    if (id !== null) known(id).refId = refId
  })
  await pool(eans, concurrency, async (ean) => {
    const sku = await throttle.retrying(() => catalog.skuByEan(ean), retry)
    if (sku) known(sku.Id).ean = ean
  })
  return [...byId.values()]
}
