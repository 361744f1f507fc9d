/**
 * Import jobs: submitted by `importCatalogBatch`, run in the background of the replica that
 * received them, observed (and, when abandoned, taken over) through `importJob`.
 *
 * A job is read → planned → executed (executor.ts). Its record, batch, plan and step results
 * live in VBase (store.ts), so any replica can answer for it and continue it:
 *
 * - **Lease**: the runner holds `lease = {owner, expiresAt}` in the job record and renews it
 *   every `heartbeatMs` (default 3 s) for `leaseMs` (default 12 s). Every write of the record is
 *   read-check-write (If-Match on the ETag VBase returns): a runner that finds another owner
 *   stops before its next step. **Fencing**: before each write of a plan chunk or of step
 *   results, the runner reads the record and writes only while the lease is still its own with
 *   at least `heartbeatMs` left (renewing it first when less is left): a runner that lost its
 *   lease writes nothing more, not even the result of a step in flight (the new holder looks it
 *   up before any create).
 * - **Resumption**: a job QUEUED or RUNNING whose lease has expired was abandoned (the replica
 *   died or was replaced). `importJob(id)` — the ERP's polling — takes it over: it writes its
 *   own lease (If-Match), reads it back, and continues: from the batch if no plan was stored,
 *   else from the stored plan, skipping every step with a recorded result and running the rest
 *   carefully (lookup by key before any create).
 */

import type { ImportTarget } from '../clients/catalogImport'
import type { ImportBatch, PlanStep } from './core'
import { planCatalogImport } from './core'
import type { StepResult } from './executor'
import { PlanExecutor } from './executor'
import type { JobError, JobOptions, JobRecord, PhaseCounts } from './job'
import { emptyPhases, MAX_ERRORS } from './job'
import { readCatalogState } from './read'
import type { RetryPolicy } from '../lib/retry'
import type { JobStore } from './store'
import { addJobError, clone, describe, iso, LeasedRunner, loadPlanChunks, readFailure, runnerDefaults } from '../lib/lease'
import { PLAN_CHUNK, ResultLog } from './store'
import type { Clock } from '../lib/clock'
import { Throttle } from '../lib/throttle'

export interface ImportDeps {
  target: ImportTarget
  store: JobStore
  account: string
  workspace: string
  logger?: { info(m: unknown): void; warn(m: unknown): void; error(m: unknown): void }
}

export interface RunnerConfig {
  leaseMs: number
  heartbeatMs: number
  retry: RetryPolicy
  clock: Clock
  /** Replica identity written in the lease. */
  owner: string
}

/** One entry of `ImportJob.entities`. */
export interface EntityView {
  index: number
  key: string
  path: string
  phase: string
  action: string
  status: 'PENDING' | StepResult['status']
  vtexId: number | null
  attempts: number
  reused: boolean
  error: { path: string; code: string; message: string } | null
}

interface LiveJob {
  job: JobRecord
  steps: PlanStep[] | null
  results: Map<number, StepResult>
  /** The lease went to another runner: stop before the next step. */
  lost: boolean
  /** Serialises writes of the job record. */
  saving: Promise<void>
  executeStartedAt: number | null
  executeMsBefore: number
  done: Promise<void>
}

export class ImportRunner extends LeasedRunner<RunnerConfig, LiveJob> {
  constructor(config: Partial<RunnerConfig> = {}) {
    super({ ...runnerDefaults(), ...config }, 'import job')
  }

  /** Stores a new job and starts it here; answers at once (QUEUED). */
  public async submit(deps: ImportDeps, batch: ImportBatch, options: JobOptions): Promise<JobRecord> {
    const job: JobRecord = {
      ...this.leases.newRecord('imp', deps),
      stage: 'READING',
      options,
      summary: null,
      steps: 0,
      planChunks: 0,
      phases: emptyPhases(),
      timings: { readMs: 0, planMs: 0, executeMs: 0 },
    }
    await deps.store.putBatch(job.id, batch)
    await deps.store.putJob(job)
    const answer = clone(job)
    this.start(deps, job)
    return answer
  }

  /**
   * The job as recorded (or as this replica runs it). An abandoned job (QUEUED or RUNNING with
   * an expired lease) is taken over and resumed here.
   */
  public async get(deps: ImportDeps, id: string): Promise<JobRecord | null> {
    const live = this.live.get(id)
    if (live) return this.view(live)
    return this.recorded(deps.store, deps.account, id, deps.logger, () => true, (job) => this.start(deps, job))
  }

  /** Steps with their outcome, for `ImportJob.entities`. */
  public async entities(
    deps: ImportDeps,
    job: JobRecord,
    filter: { phase?: string | null; status?: string | null; first: number; offset: number }
  ): Promise<EntityView[]> {
    const live = this.live.get(job.id)
    let steps = live?.steps ?? null
    let results = live?.results ?? null
    if (!steps || !results) {
      steps = await loadPlan(deps.store, job)
      if (!steps) return []
      results = await new ResultLog(deps.store, job.id).load(steps)
    }
    const out: EntityView[] = []
    let skipped = 0
    for (const step of steps) {
      if (filter.phase && step.phase !== filter.phase) continue
      const r = results.get(step.index)
      const status = r?.status ?? 'PENDING'
      if (filter.status && status !== filter.status) continue
      if (skipped++ < filter.offset) continue
      if (out.length >= filter.first) break
      out.push({
        index: step.index,
        key: step.key,
        path: step.path,
        phase: step.phase,
        action: step.action,
        status,
        vtexId: r?.id ?? null,
        attempts: r?.attempts ?? 0,
        reused: r?.reused ?? false,
        error: r?.error ? { path: step.path, ...r.error } : null,
      })
    }
    return out
  }

  /** Stops every run here at its next step without finishing it (tests: a replica "dies"). */
  public abandonAll(): void {
    for (const live of this.live.values()) live.lost = true
  }

  private start(deps: ImportDeps, job: JobRecord): void {
    const live: LiveJob = {
      job,
      steps: null,
      results: new Map(),
      lost: false,
      saving: Promise.resolve(),
      executeStartedAt: null,
      executeMsBefore: job.timings.executeMs,
      done: Promise.resolve(),
    }
    this.track(job.id, live, () =>
      this.run(deps, live).catch((e) => deps.logger?.error({ message: 'import job crashed', jobId: job.id, error: String(e?.stack ?? e) }))
    )
  }

  private async run(deps: ImportDeps, live: LiveJob): Promise<void> {
    const job = live.job
    const { store, target } = deps
    const throttle = new Throttle(job.counters, this.config.clock)
    const retry: RetryPolicy = { ...this.config.retry, maxAttempts: job.options.runner.maxAttempts }
    await this.heartbeat(live, () => this.save(deps, live), async () => {
      let steps = job.planChunks > 0 ? await loadPlan(store, job) : null
      if (!steps) {
        job.stage = 'READING'
        const batch = await store.getBatch(job.id)
        if (!batch) throw new Error(`the batch of job ${job.id} is missing from VBase`)
        const t0 = this.now()
        let state
        try {
          state = await readCatalogState(target, throttle, batch, { concurrency: job.options.runner.concurrency, retry })
        } catch (e) {
          job.timings.readMs += this.now() - t0
          // The core may refuse the batch (BATCH_MALFORMED) before anything is read.
          return await this.finish(deps, live, [readFailure(e, 'reading the catalog')])
        }
        job.timings.readMs += this.now() - t0
        job.stage = 'PLANNING'
        const t1 = this.now()
        let planned
        try {
          planned = planCatalogImport(state, batch, job.options.plan)
        } catch (e) {
          return await this.finish(deps, live, [{ path: '', code: (e as { code?: string }).code ?? 'INTERNAL_ERROR', message: describe(e) }])
        }
        job.timings.planMs += this.now() - t1
        if (!planned.plan) return await this.finish(deps, live, planned.errors)
        steps = planned.plan.steps
        const chunks = Math.ceil(steps.length / PLAN_CHUNK)
        for (let n = 0; n < chunks; n++) {
          if (!(await this.holdsLease(deps, live))) return
          await store.putPlanChunk(job.id, n, steps.slice(n * PLAN_CHUNK, (n + 1) * PLAN_CHUNK))
        }
        job.summary = planned.plan.summary
        job.steps = steps.length
        job.planChunks = chunks
      }
      live.steps = steps
      const log = new ResultLog(store, job.id, () => this.holdsLease(deps, live))
      live.results = await log.load(steps)
      job.phases = countPhases(steps, live.results)
      job.stage = 'EXECUTING'
      live.executeStartedAt = this.now()
      await this.save(deps, live)
      if (live.lost) return

      const executor = new PlanExecutor(target, steps, live.results, throttle, {
        concurrency: job.options.runner.concurrency,
        retry,
        resumed: job.runs > 1,
        lookup: job.options.runner.lookup,
        shouldStop: () => live.lost,
        record: async (step, result) => {
          const counts = job.phases.find((p) => p.phase === step.phase)
          if (counts) {
            if (result.status === 'DONE') counts.done += 1
            else if (result.status === 'FAILED') counts.failed += 1
            else counts.skipped += 1
          }
          if (result.error) addError(job, { path: step.path, key: step.key, ...result.error })
          await log.record(step, result)
        },
      })
      const { stopped } = await executor.run()
      if (stopped) return
      await this.finish(deps, live, [])
    })
  }

  private async finish(deps: ImportDeps, live: LiveJob, errors: JobError[]): Promise<void> {
    const job = live.job
    for (const e of errors) addError(job, e)
    this.settleTimings(live)
    live.executeStartedAt = null
    const unsuccessful = job.phases.some((p) => p.failed > 0 || p.skipped > 0)
    job.status = job.errorCount > 0 || unsuccessful ? 'FAILED' : 'SUCCEEDED'
    job.stage = 'DONE'
    job.finishedAt = iso(this.now())
    await this.save(deps, live, true)
  }

  private settleTimings(live: LiveJob): void {
    if (live.executeStartedAt !== null) live.job.timings.executeMs = live.executeMsBefore + (this.now() - live.executeStartedAt)
  }

  private save(deps: ImportDeps, live: LiveJob, final = false): Promise<void> {
    return this.leases.save(deps.store, live, deps.logger, final, () => this.settleTimings(live))
  }

  private holdsLease(deps: ImportDeps, live: LiveJob): Promise<boolean> {
    return this.leases.holds(deps.store, live, deps.logger, () => this.settleTimings(live))
  }

  private view(live: LiveJob): JobRecord {
    this.settleTimings(live)
    return clone(live.job)
  }
}

export async function loadPlan(store: JobStore, job: JobRecord): Promise<PlanStep[] | null> {
  if (job.planChunks === 0) return null
  return loadPlanChunks<PlanStep>(store, job)
}

function countPhases(steps: PlanStep[], results: Map<number, StepResult>): PhaseCounts[] {
  const phases = emptyPhases()
  const byPhase = new Map(phases.map((p) => [p.phase as string, p]))
  for (const s of steps) {
    const p = byPhase.get(s.phase)
    if (!p) continue
    p.total += 1
    const r = results.get(s.index)
    if (r?.status === 'DONE') p.done += 1
    else if (r?.status === 'FAILED') p.failed += 1
    else if (r?.status === 'SKIPPED') p.skipped += 1
  }
  return phases
}

function addError(job: JobRecord, error: JobError): void {
  addJobError(job, error, MAX_ERRORS)
}
