/**
 * The IO event handler `orderStatusChanged` (service.json `events`: sender
 * `vtex.orders-broadcast`, key `order-status-updated`). Like the hook: the event is written to
 * the inbox in VBase, then processed in the background; the runtime answers 204. When VBase
 * cannot take it the handler throws, the runtime answers 500 and IO delivers the event again.
 *
 * A body the core refuses (IO_EVENT_INVALID) can never succeed: it is recorded in VBase
 * (`rejected/…`) and acknowledged, so IO does not redeliver it forever.
 */
import type { EventContext } from '@vtex/api'

import type { Clients, Context, State } from '../clients'
import { PonteError } from '../lib/errors'
import { ownsBackgroundWork } from '../lib/workspace'
import type { OrdersDeps } from '../orders/deps'
import { ordersDeps } from '../orders/deps'
import { accept, workInBackground } from '../orders/inbox'
import { firstStep } from '../orders/intake'
import { recordRejected } from '../orders/rejected'

export type EventDepsFactory = (ctx: EventContext<Clients, State>) => Promise<OrdersDeps>

const defaultDeps: EventDepsFactory = (ctx) => ordersDeps(ctx as unknown as Context)

export function orderStatusChanged(depsFor: EventDepsFactory = defaultDeps) {
  return async function orderStatusChangedHandler(ctx: EventContext<Clients, State>): Promise<void> {
    const body = typeof ctx.body === 'string' ? ctx.body : JSON.stringify(ctx.body ?? null)
    const deps = await depsFor(ctx)
    // Background work is the owner workspace's (lib/workspace.ts): elsewhere, acknowledged only.
    if (!ownsBackgroundWork(deps.settings.backgroundWorkspace, ctx.vtex.workspace)) return
    let key: string
    try {
      const step = firstStep(deps, 'ioEvent', body)
      // A ping, or not of interest (settings' intakeStatuses): acknowledged, nothing stored.
      if (step.kind === 'ping' || step.kind === 'ignored') return
      key = step.key
    } catch (e) {
      if (!(e instanceof PonteError)) throw e
      deps.logger.warn({ message: 'orders: malformed IO event recorded', code: e.code })
      await recordRejected(deps, 'ioEvent', body, e, body)
      return
    }
    const entry = await accept(deps, 'ioEvent', key, body)
    void workInBackground(deps, entry)
  }
}
