/**
 * What the connector runs with, bound to a request: VBase (bucket `ponte-payments`), the ERP
 * credit client, the settings (cached a few seconds per account and workspace), the audit log.
 */

import type { Context } from '../clients'
import { ErpCredit } from '../clients/erpCredit'
import { PaymentGateway } from '../clients/paymentGateway'
import { jobScoped } from '../clients/jobScoped'
import { AUDIT_BUCKET, AuditLog } from '../audit/log'
import { TaggingVBase, VBaseKv } from '../lib/vbase'
import { appId } from '../sso'
import type { PaymentsDeps } from './flow'
import { PAYMENTS_BUCKET } from './flow'
import type { PaymentsSettings } from './settings'
import { parsePaymentsSettings } from './settings'

const TTL_MS = 10000
const cache = new Map<string, { at: number; value: Promise<PaymentsSettings> }>()

export function readPaymentsSettings(ctx: Context): Promise<PaymentsSettings> {
  const key = `${ctx.vtex.account}/${ctx.vtex.workspace}`
  const hit = cache.get(key)
  if (hit && Date.now() - hit.at < TTL_MS) return hit.value
  const value = ctx.clients.apps.getAppSettings(appId()).then(parsePaymentsSettings)
  value.catch(() => cache.delete(key))
  cache.set(key, { at: Date.now(), value })
  return value
}

/** The gateway's `callbackUrl` client (payments/callback.ts): a delivery outlives its request. */
export function gatewayClient(ctx: Context): PaymentGateway {
  return jobScoped(ctx.vtex, PaymentGateway, { retries: 0, timeout: 5000, memoizable: false })
}

export async function paymentsDeps(ctx: Context, appKey: string): Promise<PaymentsDeps> {
  const settings = await readPaymentsSettings(ctx)
  // The flow bounds every ERP call itself; the client never retries (a retry could outlive the answer).
  // Not memoizable: a read after a write must see the write (If-Match loops).
  // Its saves answer the new ETag: an authorisation reads its record back only when another wrote it.
  const vbase = jobScoped(ctx.vtex, TaggingVBase, { retries: 1, timeout: 2000, memoizable: false })
  const erp = jobScoped(ctx.vtex, ErpCredit, { retries: 0, timeout: settings.erpBudgetMs, memoizable: false })
  const audit = new AuditLog(new VBaseKv(vbase, AUDIT_BUCKET))
  return {
    kv: new VBaseKv(vbase, PAYMENTS_BUCKET),
    erp,
    settings,
    now: () => Date.now(),
    logger: ctx.vtex.logger,
    audit: async (operation, paymentId, orderId, outcome) => {
      await audit.append({ actor: appKey, actorKind: 'APP_KEY', operation, orderId: orderId ?? paymentId, jobId: null, outcome })
    },
  }
}
