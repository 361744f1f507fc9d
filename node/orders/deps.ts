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
import type { OmsApi } from '../clients/oms'
import { Oms } from '../clients/oms'
import type { Clock } from '../lib/clock'
import { realClock } from '../lib/clock'
import { appId } from '../sso'
import type { Kv } from '../lib/vbase'
import { VBaseKv } from '../lib/vbase'
import type { OrdersSettings } from './settings'
import { settingsCache } from './settings'
import { BUCKET, OrderStore } from './store'

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
  return makeDeps({
    oms: jobScoped(ctx.vtex, Oms, { retries: 0, timeout: settings.tuning.getOrderBudgetMs, memoizable: false, clock }),
    erp: jobScoped(ctx.vtex, Erp, { retries: 0, timeout: settings.tuning.erpTimeoutMs, memoizable: false }),
    kv: new VBaseKv(jobScoped(ctx.vtex, VBase, { retries: 2, timeout: 5000, memoizable: false }), BUCKET),
    settings,
    clock,
    owner: REPLICA_ID,
    logger: ctx.vtex.logger,
  })
}

/** Where the GraphQL resolvers get their deps (unit tests swap in fakes). */
export const ordersDepsProvider: { get: (ctx: Context) => Promise<OrdersDeps> } = { get: ordersDeps }
