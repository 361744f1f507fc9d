/**
 * `customerChangesTick` `POST /_v/ponte/customers/changes-tick`: vtex.scheduler's tick for the
 * VTEX-to-ERP customer changes (customers/changes.ts), set up by `configureCustomerChanges`
 * (customers/setup.ts). Header `x-ponte-tick-secret` must equal the `tickSecret` setting, else
 * 401 `{code: "TICK_SECRET_INVALID"}` (the orders feed tick's check, routes/orders.ts). Outside
 * the background workspace it does nothing. Without `erpEndpoint` nothing can be delivered:
 * 200 `{skipped: "ERP_ENDPOINT_MISSING"}`. Otherwise one pull: 200 `{skipped, delivered,
 * echoes, failed, watermark}`.
 */
import { VBase } from '@vtex/api'
import { hostname } from 'os'

import type { Context } from '../clients'
import { ErpCustomers } from '../clients/erpCustomers'
import { jobScoped } from '../clients/jobScoped'
import { MasterData } from '../clients/masterData'
import type { ChangesDeps } from '../customers/changes'
import { pullCustomerChanges } from '../customers/changes'
import { WRITTEN_BUCKET } from '../customers/sync'
import { VBaseKv } from '../lib/vbase'
import { NOT_BACKGROUND_WORKSPACE, ownsBackgroundWork } from '../lib/workspace'
import { readSettings } from '../orders/deps'
import { checkSecret } from './orders'

export const ERP_ENDPOINT_MISSING = 'ERP_ENDPOINT_MISSING'
const OWNER = `${hostname()}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`

/** The pull's deps on the request's context (unit tests pass fakes). */
export type ChangesDepsFactory = (ctx: Context) => Promise<ChangesDeps | null>

export async function changesDeps(ctx: Context): Promise<ChangesDeps | null> {
  const settings = await readSettings(ctx)
  const endpoint = settings.erpEndpoint
  if (!endpoint) return null
  const erp = new ErpCustomers(ctx.vtex, { timeout: 10000, retries: 1 })
  return {
    md: jobScoped(ctx.vtex, MasterData, { retries: 1, timeout: 10000, memoizable: false }),
    // Not the request's memoized client: the lease is read back right after it is written.
    records: new VBaseKv(jobScoped(ctx.vtex, VBase, { retries: 2, timeout: 5000, memoizable: false }), WRITTEN_BUCKET),
    deliver: (change) => erp.change(endpoint, settings.erpToken, { ...change }),
    owner: OWNER,
    // Why it waits and why 3 s by default: orders/settings.ts `customerChangesSettleMs`.
    settleMs: settings.tuning.customerChangesSettleMs,
    logger: ctx.vtex.logger,
  }
}

export function customerChangesTick(depsFor: ChangesDepsFactory = changesDeps) {
  return async function customerChangesTickHandler(ctx: Context, next: () => Promise<unknown>): Promise<void> {
    ctx.set('Cache-Control', 'no-store')
    if (!(await checkSecret(ctx, 'tick'))) return
    const { backgroundWorkspace } = await readSettings(ctx)
    if (!ownsBackgroundWork(backgroundWorkspace, ctx.vtex.workspace)) {
      ctx.status = 200
      ctx.body = { skipped: NOT_BACKGROUND_WORKSPACE, delivered: 0, echoes: 0, failed: 0, watermark: null }
      return
    }
    const deps = await depsFor(ctx)
    ctx.status = 200
    ctx.body = deps ? await pullCustomerChanges(deps) : { skipped: ERP_ENDPOINT_MISSING, delivered: 0, echoes: 0, failed: 0, watermark: null }
    await next()
  }
}
