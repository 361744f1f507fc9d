/**
 * The provider protocols' routes (§G.2 gift cards, §G.3 anti-fraud): each builds its deps from
 * the request (VBase, the ERP, the clock) and hands the plain request to the domain's
 * handlers (giftcards/handlers.ts, antifraud/handlers.ts), behind the credentials check
 * (lib/providers.ts).
 */
import { VBase } from '@vtex/api'

import type { Context } from '../clients'
import { ErpProviders } from '../clients/erpProviders'
import { jobScoped } from '../clients/jobScoped'
import { VtexHook } from '../clients/vtexHook'
import type { AntifraudDeps } from '../antifraud/handlers'
import { BUCKET as ANTIFRAUD_BUCKET, handle as handleAntifraud, MEDIA_TYPE as ANTIFRAUD_MEDIA } from '../antifraud/handlers'
import { handle as handleGiftCard, MEDIA_TYPE as GIFTCARD_MEDIA, sweepOnce } from '../giftcards/handlers'
import { BUCKET as GIFTCARD_BUCKET } from '../giftcards/store'
import type { GiftCardDeps } from '../giftcards/store'
import type { ProviderSettings } from '../lib/providers'
import { providerRoute } from '../lib/providers'
import { VBaseKv } from '../lib/vbase'

const now = () => new Date().toISOString()

function kv(ctx: Context, bucket: string) {
  return new VBaseKv(jobScoped(ctx.vtex, VBase, { retries: 2, timeout: 5000, memoizable: false }), bucket)
}

function erp(ctx: Context, settings: ProviderSettings) {
  return settings.erpEndpoint ? jobScoped(ctx.vtex, ErpProviders, { retries: 1, timeout: 8000, memoizable: false }) : null
}

export function giftCardDeps(ctx: Context, settings: ProviderSettings): GiftCardDeps {
  return { kv: kv(ctx, GIFTCARD_BUCKET), erp: erp(ctx, settings), erpEndpoint: settings.erpEndpoint, erpToken: settings.erpToken, now }
}

export function antifraudDeps(ctx: Context, settings: ProviderSettings): AntifraudDeps {
  const hook = jobScoped(ctx.vtex, VtexHook, { retries: 0, timeout: 5000, memoizable: false })
  const deps: AntifraudDeps = {
    kv: kv(ctx, ANTIFRAUD_BUCKET),
    erp: erp(ctx, settings),
    erpEndpoint: settings.erpEndpoint,
    erpToken: settings.erpToken,
    now,
    pushHook: (p) => hook.push(p.url, { id: p.id, tid: p.tid, status: p.status }),
    // Best effort: lost with the replica, then the next GET lands the decision and pushes it.
    later: (ms, work) => {
      setTimeout(() => {
        work().catch((e) => ctx.vtex.logger.warn({ message: 'antifraud: a later decision failed', error: e instanceof Error ? e.message : String(e) }))
      }, ms).unref()
    },
  }
  return deps
}

/** A gift card route (`route` is its id in service.json). */
export const giftCardRoute = (route: string) =>
  providerRoute(
    async (ctx, settings, req) => {
      const answer = await handleGiftCard(route, giftCardDeps(ctx, settings), settings, req)
      // What a previous process left owed to the ERP (the clients outlive the request: jobScoped).
      sweepOnce(giftCardDeps(ctx, settings), (e) => ctx.vtex.logger.warn({ message: 'giftcards: the outbox sweep failed', error: e instanceof Error ? e.message : String(e) }))
      return answer
    },
    { credentials: true, contentType: GIFTCARD_MEDIA }
  )

/** An anti-fraud route; the manifest is read without credentials. */
export const antifraudRoute = (route: string) =>
  providerRoute((ctx, settings, req) => handleAntifraud(route, antifraudDeps(ctx, settings), settings, req), {
    credentials: route !== 'antifraudManifest',
    contentType: ANTIFRAUD_MEDIA,
  })
