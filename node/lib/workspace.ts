/**
 * A/B testing runs two Ponte versions at once, in `master` and in a production test workspace,
 * each with its own VBase (order records, inbox, import jobs) but one account: one OMS, one
 * Feed v3 and Hook, one ERP. If both acted on orders, the ERP would get every order twice.
 * So exactly one workspace owns background work and writes: the `backgroundWorkspace` setting
 * (default `master`; a name that cannot be a workspace counts as `master`). Every unit of work
 * checks it when it starts (routes/orders.ts, events/orderStatusChanged.ts, every Mutation
 * through resolvers/index.ts); the other workspace serves reads. `workspaceRole` shows it.
 *
 * Workspace names: lowercase letters, digits and hyphens, starting with a letter, at most 64
 * characters (`vtex use` refuses others) [VTEX IO CLI docs, "Workspaces"].
 */
import { PonteError } from './errors'

/** A write or background work asked of a workspace that does not own them. */
export const NOT_BACKGROUND_WORKSPACE = 'NOT_BACKGROUND_WORKSPACE'

const WORKSPACE_NAME = /^[a-z][a-z0-9-]{0,63}$/

export function backgroundWorkspaceOf(raw: unknown): string {
  return typeof raw === 'string' && WORKSPACE_NAME.test(raw.trim()) ? raw.trim() : 'master'
}

export function ownsBackgroundWork(backgroundWorkspace: string, workspace: string): boolean {
  return backgroundWorkspace === workspace
}

/** NOT_BACKGROUND_WORKSPACE unless `workspace` is the one that owns background work. */
export function requireBackgroundWorkspace(backgroundWorkspace: string, workspace: string, what: string): void {
  if (!ownsBackgroundWork(backgroundWorkspace, workspace)) {
    throw new PonteError(
      NOT_BACKGROUND_WORKSPACE,
      `${what} runs only in the workspace that owns background work (${backgroundWorkspace}, setting backgroundWorkspace); this is ${workspace}, which serves reads`
    )
  }
}
