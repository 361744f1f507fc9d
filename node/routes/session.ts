import type { Context } from '../clients'
import { toSession } from '../resolvers/Queries/Session'
import { personFor } from '../sso'

/** GET /_v/ponte/admin/session behind requirePerson (admin; app keys allowed): who is calling. */
export async function adminSession(ctx: Context, next: () => Promise<unknown>): Promise<void> {
  ctx.body = toSession(personFor(ctx, 'admin'))
  await next()
}
