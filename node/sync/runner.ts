/**
 * Runs sync jobs (prices, stock) with the catalog import's guarantees:
 *
 * - **Validated first.** The domain reads what VTEX holds and the core plans the whole batch;
 *   a batch with any error fails with every error (path + code) and writes nothing.
 * - **Resumable across replicas.** The record, batch, plan and write results live in VBase
 *   (store.ts). The runner holds a lease it renews every `heartbeatMs`; a job whose lease has
 *   expired is taken over by the replica that next answers `syncJob(id)`, which continues from
 *   the stored plan, skipping every write with a recorded result. Every write is idempotent (a
 *   `PUT` or `PATCH` of absolute values), so one whose result was lost is simply sent again.
 * - **Fenced.** Before each write the runner checks it still holds the lease (the heartbeat
 *   marks the run lost when another owner is recorded): a runner that lost it writes nothing
 *   more.
 * - **Paced.** Writes go through the replica's pacer for the account and kind (VTEX's published
 *   rate, shared by every job writing there; `sync/pacer.ts`), 429s wait
 *   their Retry-After, 5xx, timeouts and 423 locks back off and retry (`maxAttempts`).
 */

import type { StepResult } from '../import/executor'
import { ResultLog } from '../import/store'
import type { Clock } from '../lib/clock'
import type { RetryPolicy } from '../lib/retry'
import { classify } from '../lib/retry'
import { Throttle } from '../lib/throttle'
import { addJobError, clone, describe, iso, LeasedRunner, loadPlanChunks, readFailure, runnerDefaults } from '../lib/lease'
import type { SyncError, SyncJobRecord, SyncKind, SyncOptions } from './job'
import { MAX_ERRORS } from './job'
import type { Pacer } from './pacer'
import { sharedPacer } from './pacer'
import type { PlannedWrite, SyncStore } from './store'
import { PLAN_CHUNK } from './store'

/** What a domain's plan step returns: the writes, or every error of the batch. */
export type Planned<W> =
  | { ok: true; writes: Array<PlannedWrite<W>>; unchanged: number; summary: Record<string, number> }
  | { ok: false; errors: SyncError[] }

/** The calls a write may make, with the job's pacing and counting. */
export interface WriteIo {
  throttle: Throttle
  retry: RetryPolicy
  pacer: Pacer
  concurrency: number
  /** The run lost its lease: stop. */
  lost(): boolean
}

/** One kind of sync: how to plan a batch and how to make one write. */
export interface SyncDomain<B, W> {
  kind: SyncKind
  /** Items (prices) or counts (stock) in the batch. */
  size(batch: B): number
  plan(batch: B, io: WriteIo): Promise<Planned<W>>
  /** Writes per stored plan file (default PLAN_CHUNK): smaller for domains with big writes (VBase's body limit). */
  planChunk?: number
  /** Makes one write; throws VTEX's error. Idempotent: it may be repeated after a crash. */
  write(write: PlannedWrite<W>, io: WriteIo): Promise<void>
}

export interface SyncDeps<B, W> {
  domain: SyncDomain<B, W>
  store: SyncStore
  account: string
  workspace: string
  logger?: { info(m: unknown): void; warn(m: unknown): void; error(m: unknown): void }
}

export interface SyncRunnerConfig {
  leaseMs: number
  heartbeatMs: number
  retry: RetryPolicy
  clock: Clock
  owner: string
  /** The wait before a write refused with 423 (the (SKU, warehouse) is locked) is tried again. */
  lockWaitMs: number
}

interface Live {
  job: SyncJobRecord
  lost: boolean
  saving: Promise<void>
  done: Promise<void>
}

export class SyncRunner extends LeasedRunner<SyncRunnerConfig, Live> {
  constructor(config: Partial<SyncRunnerConfig> = {}) {
    super({ ...runnerDefaults(), lockWaitMs: 250, ...config }, 'sync job')
  }

  /** Stores a new job and starts it here; answers at once (QUEUED). */
  public async submit<B, W>(deps: SyncDeps<B, W>, batch: B, options: SyncOptions, requestedBy: string | null): Promise<SyncJobRecord> {
    const job: SyncJobRecord = {
      ...this.leases.newRecord('syn', deps),
      kind: deps.domain.kind,
      stage: 'READING',
      options,
      requestedBy,
      items: deps.domain.size(batch),
      writes: 0,
      done: 0,
      failed: 0,
      unchanged: 0,
      planChunks: 0,
      summary: null,
      timings: { readMs: 0, planMs: 0, writeMs: 0 },
    }
    await deps.store.putBatch(job.id, batch)
    await deps.store.putJob(job)
    await deps.store.markOpen(job.id)
    const answer = clone(job)
    this.start(deps, job)
    return answer
  }

  /** The job (as run here, or as recorded); an abandoned one of `deps`' kind is taken over. */
  public async get<B, W>(deps: SyncDeps<B, W>, id: string): Promise<SyncJobRecord | null> {
    const live = this.live.get(id)
    if (live) return clone(live.job)
    return this.recorded(deps.store, deps.account, id, deps.logger, (job) => job.kind === deps.domain.kind, (job) => this.start(deps, job))
  }

  /**
   * Looks at the jobs marked open and takes over the abandoned ones (a delta whose replica died
   * is finished without anyone polling it); forgets the marks of finished jobs. `depsOf` gives
   * the deps of a job's kind. Answers how many it resumed.
   */
  public async sweep(store: SyncStore, depsOf: (kind: SyncKind) => SyncDeps<unknown, unknown>, limit = 100): Promise<number> {
    let resumed = 0
    for (const id of await store.listOpen(limit)) {
      if (this.live.has(id)) continue
      const stored = await store.getJob(id)
      if (!stored) {
        await store.clearOpen(id)
        continue
      }
      if (stored.job.status === 'SUCCEEDED' || stored.job.status === 'FAILED') {
        await store.clearOpen(id)
        continue
      }
      const after = await this.get(depsOf(stored.job.kind), id)
      if (after?.lease?.owner === this.config.owner && after.runs > stored.job.runs) resumed += 1
    }
    return resumed
  }

  private start<B, W>(deps: SyncDeps<B, W>, job: SyncJobRecord): void {
    const live: Live = { job, lost: false, saving: Promise.resolve(), done: Promise.resolve() }
    this.track(job.id, live, () =>
      this.run(deps, live).catch(async (e) => {
        deps.logger?.error({ message: 'sync job crashed', jobId: job.id, error: String((e as Error)?.message ?? e) })
        if (!live.lost) await this.finish(deps, live, [{ path: '', code: 'INTERNAL_ERROR', message: describe(e) }]).catch(() => undefined)
      })
    )
  }

  private async run<B, W>(deps: SyncDeps<B, W>, live: Live): Promise<void> {
    const job = live.job
    const { store, domain } = deps
    const throttle = new Throttle(job.counters, this.config.clock)
    const retry: RetryPolicy = { ...this.config.retry, maxAttempts: job.options.maxAttempts }
    const pacer = sharedPacer(`${job.account}/${job.kind}`, { perSecond: job.options.perSecond, burst: job.options.burst }, this.config.clock)
    const io: WriteIo = { throttle, retry, pacer, concurrency: job.options.concurrency, lost: () => live.lost }
    await this.heartbeat(live, () => this.save(deps, live), async () => {
      if (live.lost) return

      let writes = job.planChunks > 0 ? await loadPlanChunks<PlannedWrite<W>>(store, job) : null
      if (!writes) {
        job.stage = 'READING'
        const batch = await store.getBatch<B>(job.id)
        if (batch === null) throw new Error(`the batch of job ${job.id} is missing from VBase`)
        const t0 = this.now()
        let planned: Planned<W>
        try {
          planned = await domain.plan(batch, io)
        } catch (e) {
          job.timings.readMs += this.now() - t0
          return await this.finish(deps, live, [readFailure(e, 'reading VTEX')])
        }
        job.timings.readMs += this.now() - t0
        if (!planned.ok) return await this.finish(deps, live, planned.errors)
        job.stage = 'PLANNING'
        writes = planned.writes
        const size = domain.planChunk ?? PLAN_CHUNK
        const chunks = Math.ceil(writes.length / size)
        for (let n = 0; n < chunks; n++) {
          await store.putPlanChunk(job.id, n, writes.slice(n * size, (n + 1) * size))
        }
        job.planChunks = chunks
        job.writes = writes.length
        job.unchanged = planned.unchanged
        job.summary = planned.summary
      }
      const log = new ResultLog(store, job.id)
      const results = await log.load(writes)
      job.done = [...results.values()].filter((r) => r.status === 'DONE').length
      job.failed = [...results.values()].filter((r) => r.status === 'FAILED').length
      job.stage = 'WRITING'
      await this.save(deps, live)
      if (live.lost) return

      const t1 = this.now()
      const pending = writes.filter((w) => !results.has(w.index))
      let next = 0
      const worker = async () => {
        while (!live.lost && next < pending.length) {
          const w = pending[next++]
          const result = await this.attempt(domain, w, io)
          // Fencing: a run that lost its lease records nothing more.
          if (live.lost) return
          if (result.status === 'DONE') job.done += 1
          else {
            job.failed += 1
            addError(job, { path: w.path, key: w.key, code: result.error?.code ?? 'WRITE_FAILED', message: result.error?.message ?? '' })
          }
          await log.record(w, result)
        }
      }
      await Promise.all(Array.from({ length: Math.min(job.options.concurrency, pending.length) }, worker))
      job.timings.writeMs += this.now() - t1
      if (live.lost) return
      await this.finish(deps, live, [])
    })
  }

  /** One write with the job's retries: 429 after Retry-After, 5xx/transport/423 with backoff. */
  private async attempt<B, W>(domain: SyncDomain<B, W>, w: PlannedWrite<W>, io: WriteIo): Promise<StepResult> {
    let attempts = 0
    try {
      await io.throttle.retrying(
        () => {
          attempts += 1
          io.throttle.counters.attempts += 1
          return domain.write(w, io)
        },
        io.retry,
        { lockedWaitMs: this.config.lockWaitMs, before: () => io.pacer.acquire() }
      )
      return { index: w.index, status: 'DONE', attempts, at: iso(this.now()) }
    } catch (e) {
      const f = classify(e, io.retry, this.now())
      const code = f.kind === 'refused' ? 'VTEX_REFUSED' : f.kind === 'bug' ? 'INTERNAL_ERROR' : 'VTEX_UNAVAILABLE'
      return { index: w.index, status: 'FAILED', attempts, at: iso(this.now()), error: { code, message: 'detail' in f ? f.detail : describe(e) } }
    }
  }

  private async finish<B, W>(deps: SyncDeps<B, W>, live: Live, errors: SyncError[]): Promise<void> {
    const job = live.job
    for (const e of errors) addError(job, e)
    job.status = job.errorCount > 0 || job.failed > 0 ? 'FAILED' : 'SUCCEEDED'
    job.stage = 'DONE'
    job.finishedAt = iso(this.now())
    await this.save(deps, live, true)
    if (!live.lost) await deps.store.clearOpen(job.id).catch(() => undefined)
    deps.logger?.info({ message: 'sync job finished', jobId: job.id, kind: job.kind, status: job.status, writes: job.writes, done: job.done, failed: job.failed })
  }

  private save<B, W>(deps: SyncDeps<B, W>, live: Live, final = false): Promise<void> {
    return this.leases.save(deps.store, live, deps.logger, final)
  }
}

function addError(job: SyncJobRecord, error: SyncError): void {
  addJobError(job, error, MAX_ERRORS)
}

