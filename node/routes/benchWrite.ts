/**
 * `benchWrite` `POST /_v/ponte/bench/write`: the reference route of the hook bench
 * (bench/service-hook.js). It does what a durable acknowledgement cannot do without, and nothing
 * else: the hook's secret check (settings cached in memory, no IO), the body read, **one VBase
 * write** (bucket `ponte-bench`, path by the body's digest, as the inbox's), then 200. The hook's
 * acceptance is measured against it.
 *
 * Off by default: node/index.ts registers the handler only when the process starts with
 * `PONTE_BENCH_ROUTES=1`. An app on VTEX IO cannot set its own environment, so in production the
 * route has no handler (404) whatever `service.json` declares; and even where the variable is set,
 * a caller needs the hook secret.
 */
import type { Context } from '../clients'
import { digest } from '../orders/store'
import { checkSecret, readBody } from './orders'

export const BENCH_BUCKET = 'ponte-bench'

/** Whether the benchmark-only routes are switched on (read once, at start). */
export const benchRoutesEnabled = (env: NodeJS.ProcessEnv = process.env): boolean => env.PONTE_BENCH_ROUTES === '1'

export async function benchWrite(ctx: Context, next: () => Promise<unknown>): Promise<void> {
  ctx.set('Cache-Control', 'no-store')
  if (!(await checkSecret(ctx))) return
  const body = await readBody(ctx.req)
  await ctx.clients.vbase.saveJSON(BENCH_BUCKET, `ref/${digest(body)}.json`, { body, receivedAt: new Date().toISOString() })
  ctx.status = 200
  ctx.body = { accepted: true }
  await next()
}
