/**
 * Price, stock and customer syncs, bound to a request: the job's own clients (clients/jobScoped.ts:
 * `retries: 0` — the runner owns retries and counts them —, `memoizable: false`) and the
 * replica's runner.
 */
import { VBase } from '@vtex/api'

import type { Context } from '../clients'
import { CatalogWriter } from '../clients/catalogImport'
import { MasterData } from '../clients/masterData'
import { jobScoped } from '../clients/jobScoped'
import { Logistics } from '../clients/logistics'
import { Pricing } from '../clients/pricing'
import type { CustomerBatch } from '../customers/core'
import type { CustomerGroup } from '../customers/sync'
import { CustomerSync, WRITTEN_BUCKET } from '../customers/sync'
import { retryingStore } from '../import/deps'
import { CountDates, COUNTS_BUCKET, InventorySync } from '../inventory/sync'
import type { InventoryBatch, InventoryWrite } from '../inventory/core'
import { VBaseKv } from '../lib/vbase'
import type { PriceBatch } from '../pricing/core'
import type { PriceWriteJob } from '../pricing/sync'
import { PriceSync } from '../pricing/sync'
import type { SyncKind, SyncOptions } from './job'
import type { SyncDeps } from './runner'
import { SyncRunner } from './runner'
import type { SyncStore } from './store'
import { BUCKET, KvSyncStore } from './store'

/** One runner per worker: it knows which sync jobs run here. */
export const syncRunner = new SyncRunner()

/** Pricing: the OpenAPI file's 33 writes/s with 500 burst credits (the lower of VTEX's two figures, §H.9). */
export const PRICE_DEFAULTS: SyncOptions = { concurrency: 8, maxAttempts: 6, perSecond: 33, burst: 500 }
/** Logistics publishes no inventory write limit (§E): Ponte's choice, configurable per job. */
export const INVENTORY_DEFAULTS: SyncOptions = { concurrency: 8, maxAttempts: 8, perSecond: 50, burst: 200 }
/**
 * Master Data documents its throttling answers (`429` on writes and scrolls, `503` on wildcard
 * searches, §F.2) but publishes no figure: Ponte's choice, configurable per job. One planned
 * write is one customer (its CL and AD calls each take a turn of the pacer).
 */
export const CUSTOMER_DEFAULTS: SyncOptions = { concurrency: 8, maxAttempts: 8, perSecond: 50, burst: 100 }

function clients(ctx: Context) {
  const catalog = jobScoped(ctx.vtex, CatalogWriter, { retries: 0, timeout: 10000, memoizable: false })
  const vbase = jobScoped(ctx.vtex, VBase, { retries: 0, timeout: 5000, memoizable: false })
  return { catalog, vbase }
}

function store(vbase: VBase): SyncStore {
  return retryingStore<SyncStore>(new KvSyncStore(new VBaseKv(vbase, BUCKET)))
}

export function priceDeps(ctx: Context): SyncDeps<PriceBatch, PriceWriteJob> {
  const { catalog, vbase } = clients(ctx)
  const pricing = jobScoped(ctx.vtex, Pricing, { retries: 0, timeout: 10000, memoizable: false })
  return {
    domain: new PriceSync(catalog, pricing),
    store: store(vbase),
    account: ctx.vtex.account,
    workspace: ctx.vtex.workspace,
    logger: ctx.vtex.logger,
  }
}

export function inventoryDeps(ctx: Context): SyncDeps<InventoryBatch, InventoryWrite> {
  const { catalog, vbase } = clients(ctx)
  const logistics = jobScoped(ctx.vtex, Logistics, { retries: 0, timeout: 10000, memoizable: false })
  return {
    domain: new InventorySync(catalog, logistics, new CountDates(new VBaseKv(vbase, COUNTS_BUCKET))),
    store: store(vbase),
    account: ctx.vtex.account,
    workspace: ctx.vtex.workspace,
    logger: ctx.vtex.logger,
  }
}

export function customerDeps(ctx: Context): SyncDeps<CustomerBatch, CustomerGroup> {
  const { vbase } = clients(ctx)
  const md = jobScoped(ctx.vtex, MasterData, { retries: 0, timeout: 10000, memoizable: false })
  return {
    domain: new CustomerSync(md, new VBaseKv(vbase, WRITTEN_BUCKET), ctx.vtex.account),
    store: store(vbase),
    account: ctx.vtex.account,
    workspace: ctx.vtex.workspace,
    logger: ctx.vtex.logger,
  }
}

/** The deps of a job's kind (the sweep and `syncJob` resume any kind). */
export function depsOfKind(ctx: Context) {
  return (kind: SyncKind) =>
    (kind === 'PRICES' ? priceDeps(ctx) : kind === 'INVENTORY' ? inventoryDeps(ctx) : customerDeps(ctx)) as unknown as SyncDeps<unknown, unknown>
}
