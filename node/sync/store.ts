/**
 * Where sync jobs live between calls, replicas and restarts: VBase, bucket `sync-jobs`.
 *
 *   jobs/{jobId}/job.json            the job record (status, stage, lease, counts, errors)
 *   jobs/{jobId}/batch.json          the batch as submitted
 *   jobs/{jobId}/plan/{n}.json       the plan's writes, PLAN_CHUNK per file
 *   jobs/{jobId}/results/{n}.json    write results keyed by write key (import/store.ts ResultLog)
 *   open/{jobId}.json                a job not finished yet: the sweep resumes it when abandoned
 */
import type { ResultChunk } from '../import/store'
import { KvJobFiles } from '../import/store'
import type { SyncJobRecord } from './job'

export const BUCKET = 'sync-jobs'
export const PLAN_CHUNK = 1000

/** One planned write: its index and key (the results are keyed by it) and the domain's body. */
export interface PlannedWrite<W> {
  index: number
  key: string
  /** Where it comes from in the batch (`items[3]`, `counts[7]`). */
  path: string
  write: W
}

export interface SyncStore {
  getJob(id: string): Promise<{ job: SyncJobRecord; etag?: string } | null>
  putJob(job: SyncJobRecord, ifMatch?: string): Promise<void>
  putBatch(id: string, batch: unknown): Promise<void>
  getBatch<B>(id: string): Promise<B | null>
  putPlanChunk(id: string, n: number, writes: Array<PlannedWrite<unknown>>): Promise<void>
  getPlanChunk(id: string, n: number): Promise<Array<PlannedWrite<unknown>> | null>
  putResults(id: string, n: number, results: ResultChunk): Promise<void>
  getResults(id: string, n: number): Promise<ResultChunk | null>
  markOpen(id: string): Promise<void>
  clearOpen(id: string): Promise<void>
  /** Ids of jobs marked open, at most `limit`. */
  listOpen(limit: number): Promise<string[]>
}

const open = (id: string) => `open/${id}.json`

export class KvSyncStore extends KvJobFiles<SyncJobRecord, unknown, PlannedWrite<unknown>> implements SyncStore {
  public markOpen(id: string): Promise<void> {
    return this.kv.put(open(id), { id })
  }

  public clearOpen(id: string): Promise<void> {
    return this.kv.delete(open(id))
  }

  public async listOpen(limit: number): Promise<string[]> {
    const files = await this.kv.list('open/', limit)
    return files.flatMap((f) => {
      const m = /(?:^|\/)(syn-[0-9a-z]+)\.json$/.exec(f)
      return m ? [m[1]] : []
    })
  }
}
