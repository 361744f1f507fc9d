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
import type { VBase } from '@vtex/api'

import type { ImportBatch, PlanStep } from '../domain/import'
import type { JobRecord } from './job'
import type { StepResult } from './executor'

export const BUCKET = 'catalog-import'
export const PLAN_CHUNK = 1000
export const RESULT_CHUNK = 100

export type ResultChunk = Record<string, StepResult>

/** A write refused because the record changed since it was read (If-Match). */
export class StaleRecord extends Error {}

export interface JobStore {
  getJob(id: string): Promise<{ job: JobRecord; etag?: string } | null>
  /** With `ifMatch`, fails with StaleRecord when the record changed since. */
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

export class VBaseJobStore implements JobStore {
  constructor(private readonly vbase: VBase) {}

  public async getJob(id: string): Promise<{ job: JobRecord; etag?: string } | null> {
    const raw = await this.vbase.getRawJSON<JobRecord | null>(BUCKET, paths.job(id), true)
    if (!raw || raw.data === null || raw.data === undefined) return null
    const etag = (raw.headers as Record<string, string | undefined> | undefined)?.etag
    return { job: raw.data, ...(etag ? { etag } : {}) }
  }

  public async putJob(job: JobRecord, ifMatch?: string): Promise<void> {
    try {
      await this.vbase.saveJSON(BUCKET, paths.job(job.id), job, undefined, ifMatch)
    } catch (e) {
      if ((e as { response?: { status?: number } }).response?.status === 412) throw new StaleRecord(`job ${job.id} changed meanwhile`)
      throw e
    }
  }

  public async putBatch(id: string, batch: ImportBatch): Promise<void> {
    await this.vbase.saveJSON(BUCKET, paths.batch(id), batch)
  }

  public getBatch(id: string): Promise<ImportBatch | null> {
    return this.vbase.getJSON<ImportBatch | null>(BUCKET, paths.batch(id), true)
  }

  public async putPlanChunk(id: string, n: number, steps: PlanStep[]): Promise<void> {
    await this.vbase.saveJSON(BUCKET, paths.plan(id, n), steps)
  }

  public getPlanChunk(id: string, n: number): Promise<PlanStep[] | null> {
    return this.vbase.getJSON<PlanStep[] | null>(BUCKET, paths.plan(id, n), true)
  }

  public async putResults(id: string, n: number, results: ResultChunk): Promise<void> {
    await this.vbase.saveJSON(BUCKET, paths.results(id, n), results)
  }

  public getResults(id: string, n: number): Promise<ResultChunk | null> {
    return this.vbase.getJSON<ResultChunk | null>(BUCKET, paths.results(id, n), true)
  }
}

/** The same layout in memory (unit tests; also shows what a replica-shared store must offer). */
export class MemoryJobStore implements JobStore {
  public readonly files = new Map<string, { body: string; etag: number }>()
  private version = 0
  /** Counts writes per kind of file, for tests. */
  public readonly writes: Record<string, number> = {}

  public async getJob(id: string): Promise<{ job: JobRecord; etag?: string } | null> {
    const f = this.files.get(paths.job(id))
    return f ? { job: JSON.parse(f.body), etag: String(f.etag) } : null
  }

  public async putJob(job: JobRecord, ifMatch?: string): Promise<void> {
    const current = this.files.get(paths.job(job.id))
    if (ifMatch !== undefined && current && String(current.etag) !== ifMatch) throw new StaleRecord(`job ${job.id} changed meanwhile`)
    this.put('job', paths.job(job.id), job)
  }

  public async putBatch(id: string, batch: ImportBatch): Promise<void> {
    this.put('batch', paths.batch(id), batch)
  }

  public async getBatch(id: string): Promise<ImportBatch | null> {
    return this.get(paths.batch(id))
  }

  public async putPlanChunk(id: string, n: number, steps: PlanStep[]): Promise<void> {
    this.put('plan', paths.plan(id, n), steps)
  }

  public async getPlanChunk(id: string, n: number): Promise<PlanStep[] | null> {
    return this.get(paths.plan(id, n))
  }

  public async putResults(id: string, n: number, results: ResultChunk): Promise<void> {
    this.put('results', paths.results(id, n), results)
  }

  public async getResults(id: string, n: number): Promise<ResultChunk | null> {
    return this.get(paths.results(id, n))
  }

  private put(kind: string, path: string, value: unknown): void {
    this.writes[kind] = (this.writes[kind] ?? 0) + 1
    this.files.set(path, { body: JSON.stringify(value), etag: ++this.version })
  }

  private get<T>(path: string): T | null {
    const f = this.files.get(path)
    return f ? (JSON.parse(f.body) as T) : null
  }
}

/**
 * Makes step results durable, one chunk file per RESULT_CHUNK steps. `record` resolves once a
 * write that includes the result has completed; writes of one chunk never overlap, and results
 * recorded while a chunk is being written go out together in the next write of it.
 */
export class ResultLog {
  private readonly chunks = new Map<number, ResultChunk>()
  private readonly writing = new Map<number, Promise<void>>()
  private readonly queued = new Map<number, Promise<void>>()

  constructor(
    private readonly store: JobStore,
    private readonly jobId: string
  ) {}

  /** Loads the recorded results of a plan of `steps` steps. */
  public async load(steps: PlanStep[]): Promise<Map<number, StepResult>> {
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

  public record(step: PlanStep, result: StepResult): Promise<void> {
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
    const snapshot = { ...(this.chunks.get(n) ?? {}) }
    const write = this.store.putResults(this.jobId, n, snapshot).finally(() => {
      if (this.writing.get(n) === write) this.writing.delete(n)
    })
    this.writing.set(n, write)
    return write
  }
}
