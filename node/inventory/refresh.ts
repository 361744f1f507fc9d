/**
 * The stock refresh after an invoiced order (issue: correct stock after orders). VTEX keeps an
 * order's reservation `acknowledged` after the invoice until a count dated after it arrives
 * (§E.4), and advises refreshing the SKUs from the system of record then. So once Ponte has told
 * the ERP an order is invoiced, it asks the ERP for the current counts of the order's SKUs and
 * submits them as a stock sync job (durable, validated, paced, resumable like any other): the
 * core skips a count that is not newer than the one VTEX holds, so a refresh never undoes a
 * later count.
 */
import type { ErpStockApi, SkuRef } from '../clients/erpStock'
import type { SyncJobRecord, SyncOptions } from '../sync/job'
import type { SyncDeps, SyncRunner } from '../sync/runner'
import type { InventoryBatch, InventoryWrite } from './core'

/** The SKUs of an order (Get order's `items`: `refId` and `ean` when VTEX has them), once each. */
export function orderSkus(order: unknown): SkuRef[] {
  const items = (order as { items?: unknown })?.items
  if (!Array.isArray(items)) return []
  const seen = new Set<string>()
  const out: SkuRef[] = []
  for (const item of items) {
    const refId = typeof item?.refId === 'string' && item.refId.trim() !== '' ? item.refId : undefined
    const ean = typeof item?.ean === 'string' && item.ean.trim() !== '' ? item.ean : undefined
    if (!refId && !ean) continue
    const key = `${refId ?? ''}\u0000${ean ?? ''}`
    if (seen.has(key)) continue
    seen.add(key)
    out.push({ ...(refId ? { refId } : {}), ...(ean ? { ean } : {}) })
  }
  return out
}

export interface RefreshDeps {
  erp: ErpStockApi
  endpoint: string | null
  token: string | null
  runner: SyncRunner
  sync: SyncDeps<InventoryBatch, InventoryWrite>
  options: SyncOptions
  timeoutMs: number
}

export type RefreshOutcome =
  | { kind: 'submitted'; job: SyncJobRecord }
  | { kind: 'nothing'; reason: 'NO_ERP_ENDPOINT' | 'NO_SKU_KEYS' | 'NO_COUNTS' }
  | { kind: 'unavailable' }

/** Asks the ERP for the order's SKUs' counts and submits them as a stock sync job. */
export async function refreshAfterInvoice(deps: RefreshDeps, order: unknown): Promise<RefreshOutcome> {
  if (!deps.endpoint) return { kind: 'nothing', reason: 'NO_ERP_ENDPOINT' }
  const skus = orderSkus(order)
  if (skus.length === 0) return { kind: 'nothing', reason: 'NO_SKU_KEYS' }
  const batch = await deps.erp.counts(deps.endpoint, deps.token, skus, deps.timeoutMs)
  if (batch === null) return { kind: 'unavailable' }
  if (batch.counts.length === 0) return { kind: 'nothing', reason: 'NO_COUNTS' }
  return { kind: 'submitted', job: await deps.runner.submit(deps.sync, batch, deps.options, 'ponte:after-invoice') }
}
