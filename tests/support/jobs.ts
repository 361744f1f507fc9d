/**
 * Ponte's sync jobs (syncPrices, syncInventory, syncCustomers) as the end-to-end suites drive
 * them: an admin asks through GraphQL on one replica, then polls `syncJob` until a condition holds.
 */
import { graphql } from './http'
import { sleep } from './processes'
import { simLogin } from './vtexid'

export interface SyncJob {
  id: string
  kind: string
  status: string
  stage: string
  items: number
  writes: number
  done: number
  failed: number
  unchanged: number
  runs: number
  summary: Record<string, number> | null
  counters: Record<string, number>
  errors: Array<{ path: string; code: string; message: string; key: string | null }>
  errorCount: number
}

/** The selection every suite reads a job with. */
export const JOB = 'id kind status stage items writes done failed unchanged runs summary counters errors { path code message key } errorCount'

export const finished = (j: SyncJob) => j.status === 'SUCCEEDED' || j.status === 'FAILED'

export interface JobsTarget {
  simUrl: () => string
  account: string
  workspace: string
  /** The replicas' public ports, by index. */
  ports: number[]
  /** Who asks (an admin-audience VTEX ID login at the sim). */
  email: string
}

/** GraphQL as an admin, and the start-and-poll pair of the sync jobs. */
export function syncJobs(target: JobsTarget) {
  let token = ''
  async function ask(query: string, variables?: Record<string, unknown>, replica = 0) {
    if (!token) token = (await simLogin(target.simUrl(), target.account, { email: target.email, audience: 'admin' })).token
    return graphql(target.account, target.workspace, { query, variables }, { 'x-vtex-credential': 'e2e-app-token', authorization: `Bearer ${token}` }, target.ports[replica])
  }

  async function startSync(mutation: string, batch: unknown, options: Record<string, unknown> = {}, replica = 0): Promise<SyncJob> {
    const reply = await ask(`mutation($b: JSON!, $o: SyncOptionsInput) { ${mutation}(batch: $b, options: $o) { ${JOB} } }`, { b: batch, o: options }, replica)
    if (reply.errors) throw new Error(JSON.stringify(reply.errors))
    return reply.data?.[mutation] as SyncJob
  }

  async function poll(id: string, until: (j: SyncJob) => boolean, timeoutMs: number, replica = 0): Promise<SyncJob> {
    const deadline = Date.now() + timeoutMs
    let last: SyncJob | null = null
    for (;;) {
      const reply = await ask(`query($id: ID!) { syncJob(id: $id) { ${JOB} } }`, { id }, replica).catch(() => null)
      const j = (reply?.data?.syncJob as SyncJob | null | undefined) ?? null
      if (j) last = j
      if (j && until(j)) return j
      if (Date.now() > deadline) throw new Error(`sync job ${id} not there after ${timeoutMs} ms: ${JSON.stringify(last)}`)
      await sleep(200)
    }
  }

  return { ask, startSync, poll }
}
