/**
 * The ERP's order queries (behind @requiresPerson ADMIN, app keys allowed).
 *
 * `order(id)` answers Ponte's record and calls nothing: `null` (no error) when Ponte has never
 * seen the order; `ORDER_ID_INVALID` for an id that cannot be one. `orderChange` asks the OMS
 * where a change v2 request is.
 */
import type { Context } from '../../clients'
import { checkOrderId, fromOms } from '../../orders/actions'
import { changeStatus } from '../../orders/changes'
import { ordersDepsProvider, readSettings } from '../../orders/deps'
import { ownsBackgroundWork } from '../../lib/workspace'
import { toView } from '../../orders/record'
import { readIntake } from '../../orders/setup'

export const orderQueries = {
  orderIntake: (_root: unknown, _args: unknown, ctx: Context) => readIntake(ctx),

  workspaceRole: async (_root: unknown, _args: unknown, ctx: Context) => {
    const { backgroundWorkspace } = await readSettings(ctx)
    const workspace = ctx.vtex.workspace
    return { workspace, backgroundWorkspace, ownsBackgroundWork: ownsBackgroundWork(backgroundWorkspace, workspace) }
  },

  order: async (_root: unknown, args: { id: unknown }, ctx: Context) => {
    const orderId = checkOrderId(args.id)
    const deps = await ordersDepsProvider.get(ctx)
    const loaded = await deps.store.read(orderId)
    return loaded ? toView(loaded.record) : null
  },

  orderChange: async (_root: unknown, args: { orderId: unknown; changeRequestId: unknown }, ctx: Context) => {
    const orderId = checkOrderId(args.orderId)
    const deps = await ordersDepsProvider.get(ctx)
    try {
      return await changeStatus(deps.oms, orderId, args.changeRequestId)
    } catch (e) {
      throw fromOms(e)
    }
  },
}
