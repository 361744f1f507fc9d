/**
 * The catalog import, bound to a request: the clients a job runs with and the replica's runner.
 *
 * A job outlives the request that starts it, so its clients are its own (clients/jobScoped.ts),
 * with options of their own:
 *
 * - Catalog: `retries: 0` (the runner handles 429/5xx itself and counts them), `memoizable:
 *   false` (lookups must see the job's own writes), `timeout: 10 s` (a write VTEX is slow to
 *   answer is retried carefully, never blindly);
 * - VBase: `retries: 0` too, wrapped in the runner's retry for 429/5xx, `memoizable: false`.
 */
import { VBase } from '@vtex/api'

import type { Context } from '../clients'
import { CatalogWriter } from '../clients/catalogImport'
import { jobScoped } from '../clients/jobScoped'
import { realClock } from '../lib/clock'
import { DEFAULT_RETRY } from '../lib/retry'
import { Throttle, zeroCounters } from '../lib/throttle'
import { VBaseKv } from '../lib/vbase'
import type { ImportDeps } from './runner'
import { ImportRunner } from './runner'
import type { JobStore } from './store'
import { BUCKET, KvJobStore } from './store'

/** One runner per worker: it knows which jobs run here. */
export const runner = new ImportRunner()

export function importDeps(ctx: Context): ImportDeps {
  const target = jobScoped(ctx.vtex, CatalogWriter, { retries: 0, timeout: 10000, memoizable: false })
  const vbase = jobScoped(ctx.vtex, VBase, { retries: 0, timeout: 5000, memoizable: false })
  return {
    target,
    store: retryingStore(new KvJobStore(new VBaseKv(vbase, BUCKET))),
    account: ctx.vtex.account,
    workspace: ctx.vtex.workspace,
    logger: ctx.vtex.logger,
  }
}

/** Every store call retried like a Catalog read (VBase answers 429 and 5xx too). */
export function retryingStore<S extends object = JobStore>(store: S, policy = DEFAULT_RETRY, clock = realClock): S {
  const throttle = new Throttle(zeroCounters(), clock)
  return new Proxy(store, {
    get: (t, prop, receiver) => {
      const value = Reflect.get(t, prop, receiver)
      if (typeof value !== 'function') return value
      return (...args: unknown[]) => throttle.retrying(() => (value as (...a: unknown[]) => Promise<unknown>).apply(t, args), policy)
    },
  })
}
