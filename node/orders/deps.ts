/**
 * What the orders flow runs with, bound to a request. Work outlives the request that brings it
 * (the hook answers first, then processes), so the clients are job-scoped (clients/jobScoped.ts),
 * with `retries: 0` (the OMS client and the delivery loop own every retry) and `memoizable:
 * false` (a fresh Get order must be fresh).
 */
import { hostname } from 'os'
import { VBase } from '@vtex/api'

import type { Context } from '../clients'
import type { ErpApi } from '../clients/erp'
import { Erp } from '../clients/erp'
import { jobScoped } from '../clients/jobScoped'
import { ErpStock } from '../clients/erpStock'
import type { OmsApi, OmsOrder } from '../clients/oms'
import { Oms } from '../clients/oms'
import type { Clock } from '../lib/clock'
import { realClock } from '../lib/clock'
import { appId } from '../sso'
import type { Kv } from '../lib/vbase'
import { RetryingKv, VBaseKv } from '../lib/vbase'
import type { OrdersSettings } from './settings'
import { settingsCache } from './settings'
import { BUCKET, OrderStore } from './store'
import { refreshAfterInvoice } from '../inventory/refresh'
import { INVENTORY_DEFAULTS, inventoryDeps, syncRunner } from '../sync/deps'

export interface Logger {
  info(m: unknown): void
  warn(m: unknown): void
  error(m: unknown): void
}

export interface OrdersDeps {
  oms: OmsApi
  erp: ErpApi
  kv: Kv
  store: OrderStore
  settings: OrdersSettings
  clock: Clock
  /** This replica's identity in claims. */
  owner: string
  logger: Logger
  /**
   * Called once the ERP has an order's `invoiced` notice, before it is marked done (so a crash
   * in between runs it again; it must be idempotent): the stock refresh, when the setting asks
   * for it (inventory/refresh.ts).
   */
  afterInvoiced?: (orderId: string, order: OmsOrder) => Promise<void>
}

/** One identity per worker process. */
export const REPLICA_ID = `${hostname()}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`

export function makeDeps(parts: Omit<OrdersDeps, 'store'>): OrdersDeps {
  return {
    ...parts,
    store: new OrderStore(parts.kv, parts.clock, {
      settleMs: parts.settings.tuning.settleMs,
      casAttempts: parts.settings.tuning.casAttempts,
      owner: parts.owner,
      clockSkewMs: parts.settings.tuning.clockSkewMs,
    }),
  }
}

/** The settings of the request's account and workspace (cached a few seconds). */
export function readSettings(ctx: { clients: Context['clients']; vtex: Context['vtex'] }): Promise<OrdersSettings> {
  return settingsCache.get(`${ctx.vtex.account}/${ctx.vtex.workspace}`, () => ctx.clients.apps.getAppSettings(appId()))
}

/** Deps from a route, event or resolver context. */
export async function ordersDeps(ctx: { clients: Context['clients']; vtex: Context['vtex'] }): Promise<OrdersDeps> {
  const settings = await readSettings(ctx)
  const clock = realClock
  const afterInvoiced = settings.stockRefreshAfterInvoice ? stockRefresh(ctx, settings) : undefined
  return makeDeps({
    afterInvoiced,
    oms: jobScoped(ctx.vtex, Oms, { retries: 0, timeout: settings.tuning.getOrderBudgetMs, memoizable: false, clock }),
    erp: jobScoped(ctx.vtex, Erp, { retries: 0, timeout: settings.tuning.erpTimeoutMs, memoizable: false }),
    kv: new RetryingKv(new VBaseKv(jobScoped(ctx.vtex, VBase, { retries: 0, timeout: 5000, memoizable: false }), BUCKET)),
    settings,
    clock,
    owner: REPLICA_ID,
    logger: ctx.vtex.logger,
  })
}

/** Where the GraphQL resolvers get their deps (unit tests swap in fakes). */
export const ordersDepsProvider: { get: (ctx: Context) => Promise<OrdersDeps> } = { get: ordersDeps }

/** The stock refresh after an invoice (inventory/refresh.ts), as a stock sync job of this replica's runner. */
function stockRefresh(ctx: { clients: Context['clients']; vtex: Context['vtex'] }, settings: OrdersSettings): OrdersDeps['afterInvoiced'] {
  return async (orderId, order) => {
    const outcome = await refreshAfterInvoice(
      {
        erp: jobScoped(ctx.vtex, ErpStock, { retries: 0, timeout: settings.tuning.erpTimeoutMs, memoizable: false }),
        endpoint: settings.erpEndpoint,
        token: settings.erpToken,
        runner: syncRunner,
        sync: inventoryDeps(ctx as Context),
        options: INVENTORY_DEFAULTS,
        timeoutMs: settings.tuning.erpTimeoutMs,
      },
      order
    )
    const detail = outcome.kind === 'submitted' ? { jobId: outcome.job.id } : outcome.kind === 'nothing' ? { reason: outcome.reason } : {}
    ctx.vtex.logger.info({ message: `orders: stock refresh after invoice: ${outcome.kind}`, orderId, ...detail })
  }
}
