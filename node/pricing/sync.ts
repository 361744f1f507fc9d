/**
 * The price sync (`syncPrices`): reads what VTEX holds for the batch's SKUs (their ids by RefId
 * and EAN, their prices, the price tables, the trade policies, the pricing configuration), lets
 * the core plan it (§D.5: every error at once, or at most one write per SKU where something
 * changes), then writes.
 *
 * A `PUT` replaces every fixed price of the SKU, so just before it the SKU's price is read again
 * and that one item planned again: a fixed price added in VTEX since the job read it is carried,
 * never deleted by accident (only the batch's `removeFixedPrices` deletes one).
 */
import type { Pricing } from '../clients/pricing'
import type { PlannedWrite } from '../sync/store'
import type { Planned, SyncDomain, WriteIo } from '../sync/runner'
import type { SkuLookups } from '../sync/skus'
import { pool, readSkus } from '../sync/skus'
import type { KnownSku, Price, PriceBatch, PriceItem, PriceWrite, PricingState } from './core'
import { planPriceSync } from './core'

export interface PricingTarget extends SkuLookups {
  salesChannels(): Promise<Array<{ Id: number }>>
}

export type PricingApi = Pick<Pricing, 'price' | 'put' | 'patchFixed' | 'tables' | 'config'>

/** The write as stored in the plan: the core's write and the item it came from. */
export interface PriceWriteJob {
  write: PriceWrite
  item: PriceItem
  sku: KnownSku
}

export class PriceSync implements SyncDomain<PriceBatch, PriceWriteJob> {
  public readonly kind = 'PRICES' as const
  private configRead: Promise<PricingState['config']> | null = null

  constructor(
    private readonly catalog: PricingTarget,
    private readonly pricing: PricingApi
  ) {}

  public size(batch: PriceBatch): number {
    return Array.isArray(batch?.items) ? batch.items.length : 0
  }

  /** What VTEX holds for the batch. */
  public async read(batch: PriceBatch, io: WriteIo): Promise<PricingState> {
    const { throttle, retry, concurrency } = io
    const items = Array.isArray(batch?.items) ? batch.items : []
    const skus = await readSkus(this.catalog, items, throttle, retry, concurrency)
    const prices: Price[] = []
    await pool(skus, concurrency, async (sku) => {
      const p = await throttle.retrying(() => this.pricing.price(sku.id), retry)
      if (p) prices.push(p)
    })
    const [tables, channels, config] = await Promise.all([
      throttle.retrying(() => this.pricing.tables(), retry),
      throttle.retrying(() => this.catalog.salesChannels(), retry),
      this.config(io),
    ])
    return { skus, prices, priceTables: tables, tradePolicies: channels.map((c) => c.Id), config }
  }

  public async plan(batch: PriceBatch, io: WriteIo): Promise<Planned<PriceWriteJob>> {
    const state = await this.read(batch, io)
    const answer = planPriceSync(state, batch)
    if (!answer.plan) return { ok: false, errors: answer.errors.map((e) => ({ path: e.path, code: e.code, message: e.message })) }
    const writes: Array<PlannedWrite<PriceWriteJob>> = answer.plan.writes.map((w, index) => {
      const item = batch.items[w.item]
      const sku = state.skus.find((s) => s.id === w.itemId) ?? { id: w.itemId }
      return { index, key: `sku-${w.itemId}`, path: `items[${w.item}]`, write: { write: w, item, sku } }
    })
    const { items: _items, unchanged, ...summary } = answer.plan.summary
    return { ok: true, writes, unchanged, summary }
  }

  /** The account's pricing configuration, read once per run. */
  private config(io: WriteIo): Promise<PricingState['config']> {
    this.configRead ??= io.throttle.retrying(() => this.pricing.config(), io.retry)
    this.configRead.catch(() => (this.configRead = null))
    return this.configRead
  }

  public async write(planned: PlannedWrite<PriceWriteJob>, io: WriteIo): Promise<void> {
    const { write, item, sku } = planned.write
    if (write.method === 'patchFixed') {
      await this.pricing.patchFixed(write.itemId, write.fixedPrices)
      return
    }
    // A PUT: plan this item again on the price as it is now.
    const held = await io.throttle.retrying(() => this.pricing.price(write.itemId), io.retry)
    const state: PricingState = {
      skus: [sku],
      prices: held ? [held] : [],
      // The tables were checked when the whole batch was planned.
      priceTables: [...new Set([...(item.fixedPrices ?? []), ...(item.removeFixedPrices ?? [])].map((f) => f.tradePolicyId))],
      tradePolicies: [],
      config: await this.config(io),
    }
    const again = planPriceSync(state, { items: [item] })
    const fresh = again.plan?.writes[0]
    if (!again.plan) throw Object.assign(new Error(again.errors.map((e) => `${e.code}: ${e.message}`).join('; ')), { code: again.errors[0]?.code })
    if (!fresh) return // VTEX already holds it (a write of an earlier run that lost its result).
    if (fresh.method === 'patchFixed') {
      await this.pricing.patchFixed(fresh.itemId, fresh.fixedPrices)
      return
    }
    if (!fresh.put) throw new Error('a PUT without a body')
    const budget = await this.pricing.put(fresh.itemId, fresh.put)
    io.pacer.observe(budget.remaining)
  }
}
