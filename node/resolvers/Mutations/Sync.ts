/** syncPrices, syncInventory and syncCustomers (behind @requiresPerson ADMIN, audited): store the job and answer at once, QUEUED. */
import type { Context } from '../../clients'
import { PonteError } from '../../lib/errors'
import type { SsoState } from '../../sso'
import type { InventoryBatch } from '../../inventory/core'
import type { PriceBatch } from '../../pricing/core'
import { BATCH_MALFORMED } from '../../pricing/core'
import type { SyncOptionsInput } from '../../sync/job'
import { parseSyncOptions } from '../../sync/job'
import { CUSTOMER_DEFAULTS, customerDeps, INVENTORY_DEFAULTS, inventoryDeps, PRICE_DEFAULTS, priceDeps, syncRunner } from '../../sync/deps'
import type { CustomerBatch } from '../../customers/core'
import { toSyncJob } from '../Queries/Sync'
import { scrubVariables } from '../../customers/pii'

interface SyncArgs {
  batch: unknown
  options?: SyncOptionsInput | null
}

function listOf(value: unknown, field: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value) || !Array.isArray((value as Record<string, unknown>)[field])) {
    throw new PonteError(BATCH_MALFORMED, `argument "batch" must be a JSON object with a "${field}" list`)
  }
  return value as Record<string, unknown>
}

/** Who asked, for the job record: the person's login or the app key (never a token). */
function requester(ctx: Context): string | null {
  const persons = Object.values((ctx.state as SsoState | undefined)?.persons ?? {})
  return persons[0]?.email ?? null
}

export const syncMutations = {
  syncPrices: async (_root: unknown, args: SyncArgs, ctx: Context) => {
    const batch = listOf(args.batch, 'items') as unknown as PriceBatch
    const options = parseSyncOptions(args.options, PRICE_DEFAULTS)
    return toSyncJob(await syncRunner.submit(priceDeps(ctx), batch, options, requester(ctx)))
  },

  syncInventory: async (_root: unknown, args: SyncArgs, ctx: Context) => {
    const batch = listOf(args.batch, 'counts') as unknown as InventoryBatch
    const options = parseSyncOptions(args.options, INVENTORY_DEFAULTS)
    return toSyncJob(await syncRunner.submit(inventoryDeps(ctx), batch, options, requester(ctx)))
  },

  syncCustomers: async (_root: unknown, args: SyncArgs, ctx: Context) => {
    scrubVariables(ctx)
    const batch = listOf(args.batch, 'customers') as unknown as CustomerBatch
    const options = parseSyncOptions(args.options, CUSTOMER_DEFAULTS)
    return toSyncJob(await syncRunner.submit(customerDeps(ctx), batch, options, requester(ctx)))
  },
}
