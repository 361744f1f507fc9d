/** syncJob, computedPrice and availability (behind @requiresPerson ADMIN). */
import type { Context } from '../../clients'
import type { SyncJobRecord } from '../../sync/job'
import { parseSyncJobId } from '../../sync/job'
import { depsOfKind, priceDeps, syncRunner } from '../../sync/deps'
import { computePrice } from '../../pricing/core'
import { availability } from '../../inventory/core'
import type { InventoryEntry } from '../../inventory/core'
import { INVALID_ID, PonteError, vtexRequestFailed } from '../../lib/errors'
import { Pricing } from '../../clients/pricing'
import { Logistics } from '../../clients/logistics'
import { Catalog } from '../../clients/catalog'

/** An SKU id argument: a positive integer (VTEX's SKU ids). */
export function parseSkuId(value: unknown): number {
  const n = typeof value === 'string' && /^[1-9][0-9]{0,9}$/.test(value) ? Number(value) : NaN
  if (!Number.isSafeInteger(n) || n > 2 ** 31 - 1) {
    throw new PonteError(INVALID_ID, `argument "sku" must be an SKU id (a positive integer), got ${JSON.stringify(value)}`)
  }
  return n
}

/** The GraphQL `SyncJob`. */
export function toSyncJob(job: SyncJobRecord) {
  return {
    id: job.id,
    kind: job.kind,
    status: job.status,
    stage: job.stage,
    items: job.items,
    writes: job.writes,
    done: job.done,
    failed: job.failed,
    unchanged: job.unchanged,
    runs: job.runs,
    summary: job.summary,
    counters: job.counters,
    errors: job.errors,
    errorCount: job.errorCount,
    createdAt: job.createdAt,
    startedAt: job.startedAt,
    finishedAt: job.finishedAt,
  }
}

export const syncQueries = {
  syncJob: async (_root: unknown, args: { id: unknown }, ctx: Context) => {
    const id = parseSyncJobId(args.id)
    // Either runner kind may own it: the record says which; the prices deps read it first.
    const prices = priceDeps(ctx)
    const stored = await prices.store.getJob(id)
    if (!stored) return null
    const job = stored.job.kind === 'PRICES' ? await syncRunner.get(prices, id) : await syncRunner.get(depsOfKind(ctx)(stored.job.kind), id)
    return job ? toSyncJob(job) : null
  },

  computedPrice: async (_root: unknown, args: { sku: unknown; priceTable: string; quantity?: number | null }, ctx: Context) => {
    const skuId = parseSkuId(args.sku)
    const quantity = args.quantity ?? 1
    const pricing = new Pricing(ctx.vtex, { timeout: 10000 })
    const [price, config, rules] = await Promise.all([pricing.price(skuId), pricing.config(), pricing.rules(args.priceTable)]).catch((e) => {
      throw vtexRequestFailed(e, 'reading the price from Pricing')
    })
    // A rule may name the SKU's brand or categories (§D.3 step 2): read them only when one does.
    const scoped = rules.some((r) => Object.keys(r.context?.categories ?? {}).length > 0 || Object.keys(r.context?.brands ?? {}).length > 0)
    const sku = scoped
      ? await new Catalog(ctx.vtex, { timeout: 10000 }).skuPricingContext(skuId).catch((e) => {
          throw vtexRequestFailed(e, 'reading the SKU from the Catalog')
        })
      : null
    const answer = computePrice({
      price,
      priceTable: args.priceTable,
      quantity,
      at: new Date().toISOString(),
      categoryIds: sku?.categoryIds ?? [],
      brandId: sku?.brandId ?? null,
      rules,
      config,
    })
    const p = answer.price ?? null
    return {
      sku: String(skuId),
      priceTable: args.priceTable,
      quantity,
      price: p ? Number(p.sellingPrice) : null,
      listPrice: p?.listPrice !== undefined && p?.listPrice !== null ? Number(p.listPrice) : null,
      priceValidUntil: p?.priceValidUntil ?? null,
      decidedBy: p?.explanation.source ?? null,
      explanation: p?.explanation ?? null,
    }
  },

  availability: async (_root: unknown, args: { sku: unknown; tradePolicy: string }, ctx: Context) => {
    const skuId = parseSkuId(args.sku)
    const logistics = new Logistics(ctx.vtex, { timeout: 10000 })
    const [balance, warehouses, docks] = await Promise.all([logistics.balance(skuId), logistics.warehouses(), logistics.docks()]).catch((e) => {
      throw vtexRequestFailed(e, 'reading the inventory from Logistics')
    })
    const entries: InventoryEntry[] = balance.map((b) => ({
      skuId,
      warehouseId: b.warehouseId,
      totalQuantity: b.totalQuantity,
      unlimitedQuantity: b.hasUnlimitedQuantity,
      ...(b.leadTime ? { leadTime: b.leadTime } : {}),
    }))
    // VTEX's balance answers the reserved total per warehouse: one reservation stands for it.
    const reservations = balance
      .filter((b) => b.reservedQuantity > 0)
      .map((b) => ({ id: `reserved-${b.warehouseId}`, skuId, warehouseId: b.warehouseId, quantity: b.reservedQuantity, status: 'confirmed' as const }))
    const a = availability({ skus: [{ id: skuId }], warehouses, docks, entries, reservations }, skuId, args.tradePolicy)
    return { sku: String(skuId), tradePolicy: args.tradePolicy, quantity: a.available, warehouses: a.warehouses }
  },
}
