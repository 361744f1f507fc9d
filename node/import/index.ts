/**
 * The catalog import, bound to a request: the clients a job runs with and the replica's runner.
 *
 * A job outlives the request that starts it, so its clients are its own, built from the
 * request's IOContext without the request's cancellation token (the runtime cancels a request's
 * pending GETs when the caller goes away) and with options of their own:
 *
 * - Catalog: `retries: 0` (the runner handles 429/5xx itself and counts them), `memoizable:
 *   false` (lookups must see the job's own writes), `timeout: 10 s` (a write VTEX is slow to
 *   answer is retried carefully, never blindly);
 * - VBase: `retries: 0` too, wrapped in the runner's retry for 429/5xx, `memoizable: false`.
 */
import type { IOContext } from '@vtex/api'
import { VBase } from '@vtex/api'

import type { Context } from '../clients'
import { CatalogWriter } from '../clients/catalogImport'
import type { ImportDeps } from './runner'
import { ImportRunner } from './runner'
import { DEFAULT_RETRY } from './retry'
import type { JobStore } from './store'
import { VBaseJobStore } from './store'
import { realClock, Throttle, zeroCounters } from './throttle'

/** One runner per worker: it knows which jobs run here. */
export const runner = new ImportRunner()

export function importDeps(ctx: Context): ImportDeps {
  const { cancellation: _request, ...rest } = ctx.vtex
  const context = rest as IOContext
  const target = new CatalogWriter(context, { retries: 0, timeout: 10000, memoizable: false })
  const vbase = new VBase(context, { retries: 0, timeout: 5000, memoizable: false })
  return {
    target,
    store: retryingStore(new VBaseJobStore(vbase)),
    account: ctx.vtex.account,
    workspace: ctx.vtex.workspace,
    logger: ctx.vtex.logger,
  }
}

/** Every store call retried like a Catalog read (VBase answers 429 and 5xx too). */
export function retryingStore(store: JobStore, policy = DEFAULT_RETRY, clock = realClock): JobStore {
  const throttle = new Throttle(zeroCounters(), clock)
  return new Proxy(store, {
    get: (t, prop, receiver) => {
      const value = Reflect.get(t, prop, receiver)
      if (typeof value !== 'function') return value
      return (...args: unknown[]) => throttle.retrying(() => (value as (...a: unknown[]) => Promise<unknown>).apply(t, args), policy)
    },
  })
}
