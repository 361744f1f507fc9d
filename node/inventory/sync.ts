/**
 * The stock sync (`syncInventory`): reads what VTEX holds for the batch's SKUs (ids by RefId and
 * EAN, each SKU's balance per warehouse, the warehouses and docks) and the date of the count
 * each (SKU, warehouse) last took from Ponte's own record (VTEX's balance does not answer
 * `dateUtcOnBalanceSystem`, §E.2) and, where VTEX holds units reserved, the reservations a count
 * may clear ({@link reservationsOf}), lets the core plan it (§E.5: an older count never overwrites
 * a newer one), then writes, recording each count's date once VTEX has it.
 */
import type { InventoryPut, Logistics, VtexBalance, VtexReservation } from '../clients/logistics'
import type { Kv } from '../lib/vbase'
import { StaleWrite } from '../lib/vbase'
import type { PlannedWrite } from '../sync/store'
import type { Planned, SyncDomain, WriteIo } from '../sync/runner'
import type { SkuLookups } from '../sync/skus'
import { pool, readSkus } from '../sync/skus'
import type { InventoryBatch, InventoryEntry, InventoryState, InventoryWrite, Reservation } from './core'
import { planInventorySync } from './core'

export type LogisticsApi = Pick<Logistics, 'warehouses' | 'docks' | 'balance' | 'reservations' | 'put' | 'patchQuantity' | 'patchLeadTime'>

/**
 * VBase bucket of the count dates: `skus/{skuId}/{warehouseId}.json` = `{date}`. One file per
 * (SKU, warehouse), so that the counts of one SKU in two warehouses, written at once, never
 * race on one file (VBase offers no create-if-absent).
 */
export const COUNTS_BUCKET = 'inventory-counts'

/** When each (SKU, warehouse) was last counted, as Ponte wrote it to VTEX. */
export class CountDates {
  constructor(private readonly kv: Kv) {}

  private path(skuId: number, warehouseId: string): string {
    return `skus/${skuId}/${encodeURIComponent(warehouseId)}.json`
  }

  public async of(skuId: number, warehouseId: string): Promise<string | null> {
    return (await this.kv.get<{ date: string }>(this.path(skuId, warehouseId)))?.data.date ?? null
  }

  /** Records `date` for (sku, warehouse) unless a newer one is there (If-Match, retried). */
  public async record(skuId: number, warehouseId: string, date: string): Promise<void> {
    const path = this.path(skuId, warehouseId)
    for (let attempt = 0; attempt < 5; attempt++) {
      const got = await this.kv.get<{ date: string }>(path)
      if (got && Date.parse(got.data.date) >= Date.parse(date)) return
      if (got && !got.etag) throw new Error(`VBase returned no ETag for a count date of SKU ${skuId}: refusing a blind write`)
      try {
        await this.kv.put(path, { date }, got?.etag ?? undefined)
        return
      } catch (e) {
        if (!(e instanceof StaleWrite)) throw e
      }
    }
    throw new Error(`the count date of SKU ${skuId} in ${warehouseId} kept changing`)
  }
}

/**
 * The reservations of an SKU in a warehouse as the core plans with them (§E.4, §E.5). VTEX's
 * `Status` tells authorized (1) from confirmed (2) but has no value for acknowledged or cleared
 * (§H.9), so a confirmed reservation updated after the count Ponte last wrote there
 * (`countedAt`) may have been acknowledged since: it is planned as acknowledged at its
 * `LastUpdateDateUtc`, and a newer count is then written even when its quantity is unchanged,
 * since writing it is what clears it. One updated before that count is planned as confirmed
 * (still held, cleared by nothing Ponte sends). Other statuses hold nothing.
 */
export function reservationsOf(skuId: number, warehouseId: string, listed: VtexReservation[], countedAt: string | null): Reservation[] {
  const out: Reservation[] = []
  for (const r of listed) {
    if (r.Status !== 1 && r.Status !== 2) continue
    const quantity = (r.SlaRequest ?? [])
      .filter((s) => Number(s.item?.id) === skuId && s.wareHouseId === warehouseId)
      .reduce((sum, s) => sum + Math.max(0, Number(s.item?.quantity ?? 0)), 0)
    if (!(quantity > 0)) continue
    const base = { id: r.LockId, skuId, warehouseId, quantity }
    const updated = r.LastUpdateDateUtc ? Date.parse(r.LastUpdateDateUtc) : NaN
    if (r.Status === 1) {
      out.push({ ...base, status: 'authorized', expiresAt: r.MaximumConfirmationDateUtc ?? null })
    } else if (Number.isFinite(updated) && (countedAt === null || updated > Date.parse(countedAt))) {
      out.push({ ...base, status: 'acknowledged', acknowledgedAt: new Date(updated).toISOString() })
    } else {
      out.push({ ...base, status: 'confirmed' })
    }
  }
  return out
}

function entryOf(skuId: number, b: VtexBalance, date: string | undefined): InventoryEntry {
  return {
    skuId,
    warehouseId: b.warehouseId,
    totalQuantity: b.totalQuantity,
    unlimitedQuantity: b.hasUnlimitedQuantity,
    ...(b.leadTime ? { leadTime: b.leadTime } : {}),
    dateUtcOnBalanceSystem: date ?? null,
  }
}

export class InventorySync implements SyncDomain<InventoryBatch, InventoryWrite> {
  public readonly kind = 'INVENTORY' as const

  constructor(
    private readonly catalog: SkuLookups,
    private readonly logistics: LogisticsApi,
    private readonly dates: CountDates,
    private readonly now: () => number = Date.now
  ) {}

  public size(batch: InventoryBatch): number {
    return Array.isArray(batch?.counts) ? batch.counts.length : 0
  }

  public async read(batch: InventoryBatch, io: WriteIo): Promise<InventoryState> {
    const { throttle, retry, concurrency } = io
    const counts = Array.isArray(batch?.counts) ? batch.counts : []
    const skus = await readSkus(this.catalog, counts, throttle, retry, concurrency)
    // The (SKU, warehouse) pairs the counts name, for their dates (the core resolves the keys;
    // this only finds which files to read).
    const byRef = new Map(skus.flatMap((s) => (s.refId ? [[s.refId, s.id] as const] : [])))
    const byEan = new Map(skus.flatMap((s) => (s.ean ? [[s.ean, s.id] as const] : [])))
    const pairs = new Map<number, Set<string>>()
    for (const c of counts) {
      const id = (c.refId ? byRef.get(c.refId) : undefined) ?? (c.ean ? byEan.get(c.ean) : undefined)
      if (id !== undefined && typeof c.warehouse === 'string') pairs.set(id, (pairs.get(id) ?? new Set()).add(c.warehouse))
    }
    const entries: InventoryEntry[] = []
    const reservations: Reservation[] = []
    await pool(skus, concurrency, async (sku) => {
      const balance = await throttle.retrying(() => this.logistics.balance(sku.id), retry)
      const dates = new Map<string, string>()
      for (const w of pairs.get(sku.id) ?? []) {
        const held = balance.find((b) => b.warehouseId === w)
        if (!held) continue
        const date = await throttle.retrying(() => this.dates.of(sku.id, w), retry)
        if (date) dates.set(w, date)
        // Only where VTEX holds something reserved: the reservations a count may clear (§E.4).
        if (held.reservedQuantity > 0) {
          const listed = await throttle.retrying(() => this.logistics.reservations(w, sku.id), retry)
          reservations.push(...reservationsOf(sku.id, w, listed, date))
        }
      }
      for (const b of balance) entries.push(entryOf(sku.id, b, dates.get(b.warehouseId)))
    })
    const [warehouses, docks] = await Promise.all([
      throttle.retrying(() => this.logistics.warehouses(), retry),
      throttle.retrying(() => this.logistics.docks(), retry),
    ])
    return { skus, warehouses, docks, entries, reservations }
  }

  public async plan(batch: InventoryBatch, io: WriteIo): Promise<Planned<InventoryWrite>> {
    const state = await this.read(batch, io)
    const answer = planInventorySync(state, batch, new Date(this.now()).toISOString())
    if (!answer.plan) return { ok: false, errors: answer.errors.map((e) => ({ path: e.path, code: e.code, message: e.message })) }
    const writes = answer.plan.writes.map((w, index) => ({
      index,
      key: `sku-${w.entry.skuId}-${w.entry.warehouseId}`,
      path: `counts[${w.count}]`,
      write: w,
    }))
    const summary: Record<string, number> = { put: 0, patchQuantity: 0, patchLeadTime: 0, record: 0, stale: 0 }
    for (const w of answer.plan.writes) summary[w.method] += 1
    for (const s of answer.plan.skipped) if (s.reason === 'stale') summary.stale += 1
    return { ok: true, writes, unchanged: answer.plan.skipped.length, summary }
  }

  public async write(planned: PlannedWrite<InventoryWrite>, io: WriteIo): Promise<void> {
    const { method, entry } = planned.write
    const date = entry.dateUtcOnBalanceSystem ?? null
    const quantity = entry.totalQuantity
    const unlimitedQuantity = entry.unlimitedQuantity ?? false
    if (method === 'put') {
      const body: InventoryPut = { quantity, unlimitedQuantity, dateUtcOnBalanceSystem: date }
      if (entry.leadTime) body.leadTime = entry.leadTime
      await this.logistics.put(entry.skuId, entry.warehouseId, body)
    } else if (method === 'patchQuantity') {
      await this.logistics.patchQuantity(entry.skuId, entry.warehouseId, { quantity, unlimitedQuantity, dateUtcOnBalanceSystem: date })
    } else if (method === 'patchLeadTime') {
      await this.logistics.patchLeadTime(entry.skuId, entry.warehouseId, entry.leadTime ?? '00:00:00')
    }
    // `record`: VTEX already holds it; only the date is Ponte's to keep.
    if (date) await io.throttle.retrying(() => this.dates.record(entry.skuId, entry.warehouseId, date), io.retry)
  }
}
