/**
 * The ERP's delta routes, for single price or stock changes during the day (the whole-catalog
 * syncs go through `syncPrices` / `syncInventory`):
 *
 * - `POST /_v/ponte/erp/prices` `{items: [...]}` (a price batch, at most MAX_DELTA items);
 * - `POST /_v/ponte/erp/stock` `{counts: [...]}` (a stock batch, at most MAX_DELTA counts);
 * - `POST /_v/ponte/erp/customers` `{customers: [...], policy?}` (a customer batch, at most
 *   MAX_DELTA customers; the batch's merge policy may come along).
 *
 * Authenticated like `@requiresPerson(audience: ADMIN, allowAppKey: true)` (the ERP's VTEX app
 * key and token, or an admin's token) with the License Manager resource the matching mutation
 * needs, and only in the workspace that owns background work. The delta is **durable before the
 * answer**: it is stored as a sync job (its batch and record in VBase) and answered `202
 * {jobId, status}`; the job then runs like any sync job (validated by the core first, paced,
 * resumed by another replica when this one dies: a sweep on each delta and `syncJob(jobId)`).
 * Refusals answer `{code, message}`: 400 DELTA_MALFORMED, 413 DELTA_TOO_LARGE, 403
 * RESOURCE_NOT_GRANTED or NOT_BACKGROUND_WORKSPACE, 503 DELTA_UNAVAILABLE when VBase cannot take
 * it (the ERP sends it again). Every accepted or refused delta is audited.
 */
import type { Context } from '../clients'
import { auditLogFor } from '../directives/audited'
import { parseResources, requireResources, RESOURCE_NOT_GRANTED } from '../lib/access'
import { PonteError } from '../lib/errors'
import { NOT_BACKGROUND_WORKSPACE, requireBackgroundWorkspace } from '../lib/workspace'
import { readSettings } from '../orders/deps'
import { personFor } from '../sso'
import type { SyncKind } from '../sync/job'
import { CUSTOMER_WRITE } from '../customers/access'
import { CUSTOMER_DEFAULTS, depsOfKind as depsOf, INVENTORY_DEFAULTS, PRICE_DEFAULTS, syncRunner } from '../sync/deps'
import { readBody } from './orders'

export const DELTA_MALFORMED = 'DELTA_MALFORMED'
export const DELTA_TOO_LARGE = 'DELTA_TOO_LARGE'
export const DELTA_UNAVAILABLE = 'DELTA_UNAVAILABLE'
/** Items or counts per delta; more is a batch (`syncPrices`, `syncInventory`). */
export const MAX_DELTA = 200
const MAX_BODY = 256 * 1024

const KINDS = {
  PRICES: { list: 'items', operation: 'erpPriceDelta', resources: ['Pricing/Modify prices'] },
  INVENTORY: { list: 'counts', operation: 'erpStockDelta', resources: ['Logistics/Logistics full access | Logistics/Logistics inventory full access'] },
  CUSTOMERS: { list: 'customers', operation: 'erpCustomerDelta', resources: [CUSTOMER_WRITE] },
} as const

const NOUN = { PRICES: 'price', INVENTORY: 'stock', CUSTOMERS: 'customer' } as const
const BATCH = { PRICES: 'syncPrices', INVENTORY: 'syncInventory', CUSTOMERS: 'syncCustomers' } as const
const DEFAULTS = { PRICES: PRICE_DEFAULTS, INVENTORY: INVENTORY_DEFAULTS, CUSTOMERS: CUSTOMER_DEFAULTS } as const

function statusOf(code: string): number {
  if (code === DELTA_TOO_LARGE) return 413
  if (code === RESOURCE_NOT_GRANTED || code === NOT_BACKGROUND_WORKSPACE) return 403
  if (code === DELTA_UNAVAILABLE) return 503
  return 400
}

export function erpDelta(kind: SyncKind) {
  const spec = KINDS[kind]
  return async function erpDeltaRoute(ctx: Context, next: () => Promise<unknown>): Promise<void> {
    ctx.set('Cache-Control', 'no-store')
    const person = personFor(ctx, 'admin')
    let jobId: string | null = null
    let outcome = 'OK'
    try {
      await requireResources(ctx, person, parseResources(spec.resources))
      const settings = await readSettings(ctx)
      requireBackgroundWorkspace(settings.backgroundWorkspace, ctx.vtex.workspace, `the ${NOUN[kind]} delta`)
      const text = await readBody(ctx.req, MAX_BODY + 1)
      if (text.length > MAX_BODY) throw new PonteError(DELTA_TOO_LARGE, `a delta is at most ${MAX_BODY} bytes; send a batch with ${BATCH[kind]}`)
      let body: unknown
      try {
        body = JSON.parse(text)
      } catch {
        throw new PonteError(DELTA_MALFORMED, 'the body is not JSON')
      }
      const list = (body as Record<string, unknown> | null)?.[spec.list]
      if (body === null || typeof body !== 'object' || Array.isArray(body) || !Array.isArray(list) || list.length === 0) {
        throw new PonteError(DELTA_MALFORMED, `the body must be a JSON object with a non-empty "${spec.list}" list`)
      }
      if (list.length > MAX_DELTA) {
        throw new PonteError(DELTA_TOO_LARGE, `a delta has at most ${MAX_DELTA} ${spec.list}; send a batch with ${BATCH[kind]}`)
      }
      const deps = depsOf(ctx)(kind)
      const options = DEFAULTS[kind]
      // A customer delta keeps its merge policy (which fields the ERP owns and wins, §F.4).
      const policy = kind === 'CUSTOMERS' ? (body as Record<string, unknown>).policy : undefined
      let job
      try {
        job = await syncRunner.submit(deps, { [spec.list]: list, ...(policy !== undefined ? { policy } : {}) }, options, person.email)
      } catch (e) {
        throw new PonteError(DELTA_UNAVAILABLE, `the delta could not be stored (${(e as Error).message}); send it again`, 'error')
      }
      jobId = job.id
      ctx.status = 202
      ctx.body = { jobId: job.id, status: job.status }
      // Deltas arrive all day: each one also finishes the deltas a dead replica left.
      void syncRunner.sweep(deps.store, depsOf(ctx)).catch((e) => ctx.vtex.logger.warn({ message: 'sync sweep failed', error: (e as Error).message }))
    } catch (e) {
      if (!(e instanceof PonteError)) throw e
      outcome = e.code
      ctx.status = statusOf(e.code)
      ctx.body = { code: e.code, message: e.message }
    } finally {
      await auditLogFor(ctx)
        .append({ actor: person.email, actorKind: person.isAppKey ? 'APP_KEY' : 'PERSON', operation: spec.operation, orderId: null, jobId, outcome })
        .catch(() => ctx.vtex.logger.error({ message: 'audit: record not written', operation: spec.operation }))
    }
    await next()
  }
}
