import type { Context } from '../clients'
import { coreVersion } from '../lib/core'

/** Liveness plus the wasm core's version: answering proves the module loaded. */
export async function health(ctx: Context, next: () => Promise<unknown>): Promise<void> {
  ctx.set('Cache-Control', 'no-store')
  ctx.body = { ok: true, core: coreVersion() }
  await next()
}
