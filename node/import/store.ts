/**
 * Where an import job lives between calls, replicas and restarts: VBase, bucket `catalog-import`.
 *
 *   jobs/{jobId}/job.json            the job record (status, stage, lease, counters, errors)
 *   jobs/{jobId}/batch.json          the batch as submitted (planning needs it after a crash)
 *   jobs/{jobId}/plan/{n}.json       the plan's steps, PLAN_CHUNK per file
 *   jobs/{jobId}/results/{n}.json    step results keyed by step key, for steps n·RESULT_CHUNK ...
 *
 * Chunks keep every file small (VBase and proxies refuse multi-megabyte bodies; a 2,000-SKU
 * plan has ~15,000 steps) and every write bounded: a step's result is written by rewriting its
 * chunk (a few KB).
 */
import type { Kv } from '../lib/vbase'
import type { ImportBatch, PlanStep } from './core'
import type { JobRecord } from './job'
import type { StepResult } from './executor'

export const BUCKET = 'catalog-import'
export const PLAN_CHUNK = 1000
export const RESULT_CHUNK = 100

export type ResultChunk = Record<string, StepResult>

export interface JobStore {
  getJob(id: string): Promise<{ job: JobRecord; etag?: string } | null>
  /** With `ifMatch`, fails with StaleWrite when the record changed since. */
  putJob(job: JobRecord, ifMatch?: string): Promise<void>
  putBatch(id: string, batch: ImportBatch): Promise<void>
  getBatch(id: string): Promise<ImportBatch | null>
  putPlanChunk(id: string, n: number, steps: PlanStep[]): Promise<void>
  getPlanChunk(id: string, n: number): Promise<PlanStep[] | null>
  putResults(id: string, n: number, results: ResultChunk): Promise<void>
  getResults(id: string, n: number): Promise<ResultChunk | null>
}

const paths = {
  job: (id: string) => `jobs/${id}/job.json`,
  batch: (id: string) => `jobs/${id}/batch.json`,
  plan: (id: string, n: number) => `jobs/${id}/plan/${n}.json`,
  results: (id: string, n: number) => `jobs/${id}/results/${n}.json`,
}

/**
 * A job's files over a key-value store (VBase in the service, a fake in tests): the record `J`,
 * the batch `B` and plan chunks of `S`. The import's and the sync jobs' stores both are one.
 */
export class KvJobFiles<J extends { id: string }, B, S> {
  constructor(protected readonly kv: Kv) {}

  public async getJob(id: string): Promise<{ job: J; etag?: string } | null> {
    const got = await this.kv.get<J>(paths.job(id))
    if (!got) return null
    return { job: got.data, ...(got.etag ? { etag: got.etag } : {}) }
  }

  public putJob(job: J, ifMatch?: string): Promise<void> {
    return this.kv.put(paths.job(job.id), job, ifMatch)
  }

  public putBatch(id: string, batch: B): Promise<void> {
    return this.kv.put(paths.batch(id), batch)
  }

  public getBatch<T = B>(id: string): Promise<T | null> {
    return this.data<T>(paths.batch(id))
  }

  public putPlanChunk(id: string, n: number, steps: S[]): Promise<void> {
    return this.kv.put(paths.plan(id, n), steps)
  }

  public getPlanChunk(id: string, n: number): Promise<S[] | null> {
    return this.data(paths.plan(id, n))
  }

  public putResults(id: string, n: number, results: ResultChunk): Promise<void> {
    return this.kv.put(paths.results(id, n), results)
  }

  public getResults(id: string, n: number): Promise<ResultChunk | null> {
    return this.data(paths.results(id, n))
  }

  protected async data<T>(path: string): Promise<T | null> {
    return (await this.kv.get<T>(path))?.data ?? null
  }
}

/** The import's layout: VBase (`new KvJobStore(new VBaseKv(vbase, BUCKET))`) in the service. */
export class KvJobStore extends KvJobFiles<JobRecord, ImportBatch, PlanStep> implements JobStore {}

/**
 * Makes step results durable, one chunk file per RESULT_CHUNK steps. `record` resolves once a
 * write that includes the result has completed; writes of one chunk never overlap, and results
 * recorded while a chunk is being written go out together in the next write of it.
 */
export class ResultLog {
  private readonly chunks = new Map<number, ResultChunk>()
  private readonly writing = new Map<number, Promise<void>>()
  private readonly queued = new Map<number, Promise<void>>()

  /**
   * `guard` runs before every write: false (the runner lost its lease) skips the write, and every
   * later one. A result not written is run again by the lease's holder (lookup before create).
   */
  constructor(
    private readonly store: Pick<JobStore, 'getResults' | 'putResults'>,
    private readonly jobId: string,
    private readonly guard: () => Promise<boolean> = async () => true
  ) {}

  /** Writes skipped because the guard refused them. */
  public skipped = 0

  /** Loads the recorded results of a plan of `steps` steps (an import's, or a sync job's writes). */
  public async load(steps: ReadonlyArray<Pick<PlanStep, 'index' | 'key'>>): Promise<Map<number, StepResult>> {
    const out = new Map<number, StepResult>()
    const count = Math.ceil(steps.length / RESULT_CHUNK)
    const loaded = await Promise.all(Array.from({ length: count }, (_, n) => this.store.getResults(this.jobId, n)))
    loaded.forEach((chunk, n) => {
      this.chunks.set(n, chunk ?? {})
      for (const [key, result] of Object.entries(chunk ?? {})) {
        // Keyed by step key; the index must agree (a plan is never changed once stored).
        if (steps[result.index]?.key === key) out.set(result.index, result)
      }
    })
    return out
  }

  public record(step: Pick<PlanStep, 'index' | 'key'>, result: StepResult): Promise<void> {
    const n = Math.floor(step.index / RESULT_CHUNK)
    const chunk = this.chunks.get(n) ?? {}
    chunk[step.key] = result
    this.chunks.set(n, chunk)
    return this.flush(n)
  }

  private flush(n: number): Promise<void> {
    const queued = this.queued.get(n)
    if (queued) return queued
    const current = this.writing.get(n)
    if (!current) return this.start(n)
    const next = current
      .catch(() => undefined)
      .then(() => {
        this.queued.delete(n)
        return this.start(n)
      })
    this.queued.set(n, next)
    return next
  }

  private start(n: number): Promise<void> {
    const write = this.guarded(n).finally(() => {
      if (this.writing.get(n) === write) this.writing.delete(n)
    })
    this.writing.set(n, write)
    return write
  }

  private async guarded(n: number): Promise<void> {
    if (!(await this.guard())) {
      this.skipped += 1
      return
    }
    // The snapshot is taken after the guard: results recorded meanwhile go out in this write.
    await this.store.putResults(this.jobId, n, { ...(this.chunks.get(n) ?? {}) })
  }
}
