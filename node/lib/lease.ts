/**
 * The lease a background job holds in its VBase record, shared by the catalog import and the
 * sync jobs (prices, stock, customers).
 *
 * - A runner holds `lease = {owner, expiresAt}` and renews it on every write of the record.
 * - Every write of the record is conditional (If-Match on the ETag read just before): a record
 *   read without an ETag is an error, never a blind write.
 * - A runner that finds another owner, or loses the If-Match race, marks its run lost and
 *   writes nothing more.
 * - A job QUEUED or RUNNING whose lease expired was abandoned: whoever looks at it takes it over
 *   (its own lease, If-Match), reads it back, and resumes it only if the lease is still its own.
 */
import { hostname } from 'os'

import type { Clock } from './clock'
import { realClock } from './clock'
import { PonteError } from './errors'
import { DEFAULT_RETRY } from './retry'
import type { Counters } from './throttle'
import { zeroCounters } from './throttle'
import { StaleWrite } from './vbase'

/** A background job's life: queued, running (under a lease), then done either way. */
export type JobStatus = 'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED'

/** A runner's defaults: a 12 s lease renewed every 3 s, the default retries, this replica's name. */
export const runnerDefaults = () => ({
  leaseMs: 12000,
  heartbeatMs: 3000,
  retry: DEFAULT_RETRY,
  clock: realClock,
  owner: `${hostname()}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`,
})

/** The error text a failed call leaves in a job: its HTTP status, else its message. */
export function describe(e: unknown): string {
  const status = (e as { response?: { status?: number } })?.response?.status
  return status !== undefined ? `HTTP ${status}` : e instanceof Error ? e.message : String(e)
}

/** An ISO 8601 time of `ms` (epoch milliseconds), as job records hold times. */
export const iso = (ms: number) => new Date(ms).toISOString()

/** A deep copy of a JSON value (a job record answered while its run goes on). */
export const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T

/** A new job id: `prefix`, then the time and randomness in base 36 (`imp-…`, `syn-…`). */
export const newJobId = (prefix: string) => `${prefix}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 10)}`

/** Counts `error` in the job and keeps it while fewer than `max` are kept. */
export function addJobError<E>(job: { errorCount: number; errors: E[] }, error: E, max: number): void {
  job.errorCount += 1
  if (job.errors.length < max) job.errors.push(error)
}

/**
 * The error of a job whose reading of VTEX threw: the core's refusal (a PonteError, e.g.
 * BATCH_MALFORMED) as it is, anything else as VTEX_REQUEST_FAILED with `what` ("reading the
 * catalog") and the call's status or message.
 */
export function readFailure(e: unknown, what: string): { path: string; code: string; message: string } {
  if (e instanceof PonteError) return { path: '', code: e.code, message: e.message }
  return { path: '', code: 'VTEX_REQUEST_FAILED', message: `${what} failed: ${describe(e)}` }
}

/** A job's stored plan, joined from its `planChunks` chunks; null when one is missing. */
export async function loadPlanChunks<T>(store: { getPlanChunk(id: string, n: number): Promise<unknown> }, job: { id: string; planChunks: number }): Promise<T[] | null> {
  const chunks = await Promise.all(Array.from({ length: job.planChunks }, (_, n) => store.getPlanChunk(job.id, n)))
  if (chunks.some((c) => c === null)) return null
  return (chunks as T[][]).flat()
}

export interface Lease {
  owner: string
  expiresAt: string
}

export interface LeasedRecord {
  id: string
  status: string
  lease: Lease | null
  runs: number
  updatedAt: string
}

/** What every background job's record holds, whatever its kind. */
export interface JobRecordBase extends LeasedRecord {
  account: string
  workspace: string
  status: JobStatus
  /** ISO 8601 times. */
  createdAt: string
  startedAt: string | null
  finishedAt: string | null
  /** Who runs the job and until when; another runner may take over once it has expired. */
  lease: Lease | null
  /** How many runners have started it: 1, plus one per resumption. */
  runs: number
}

export interface LeasedStore<J extends LeasedRecord> {
  getJob(id: string): Promise<{ job: J; etag?: string } | null>
  /** With `ifMatch`, fails with StaleWrite when the record changed since. */
  putJob(job: J, ifMatch?: string): Promise<void>
}

/** One runner's run of a job. */
export interface LeasedRun<J extends LeasedRecord> {
  job: J
  /** The lease went to another runner: stop before the next write. */
  lost: boolean
  /** Serialises writes of the job record. */
  saving: Promise<void>
}

export interface LeaseConfig {
  owner: string
  leaseMs: number
  heartbeatMs: number
  clock: Clock
}

type Logger = { info(m: unknown): void; warn(m: unknown): void } | undefined

export class Leases {
  /** `what` names the job kind in logs ("import job", "sync job"). */
  constructor(
    private readonly config: LeaseConfig,
    private readonly what: string
  ) {}

  /** A fresh lease of this runner's. */
  public fresh(): Lease {
    return { owner: this.config.owner, expiresAt: iso(this.config.clock.now() + this.config.leaseMs) }
  }

  /**
   * What every new job record starts with: a new id (`prefix`, see newJobId), `where`'s account
   * and workspace, QUEUED, created now, this runner's lease, one run, no errors, zero counters.
   */
  public newRecord(prefix: string, where: { account: string; workspace: string }): JobRecordBase & { errors: never[]; errorCount: number; counters: Counters } {
    const now = iso(this.config.clock.now())
    return {
      id: newJobId(prefix),
      account: where.account,
      workspace: where.workspace,
      status: 'QUEUED',
      createdAt: now,
      updatedAt: now,
      startedAt: null,
      finishedAt: null,
      lease: this.fresh(),
      runs: 1,
      errors: [],
      errorCount: 0,
      counters: zeroCounters(),
    }
  }

  public abandoned(job: LeasedRecord): boolean {
    if (job.status !== 'QUEUED' && job.status !== 'RUNNING') return false
    return job.lease === null || Date.parse(job.lease.expiresAt) < this.config.clock.now()
  }

  /**
   * Takes an abandoned record over. Answers the record as it now stands, and whether this runner
   * holds it (and must resume it).
   */
  public async takeOver<J extends LeasedRecord>(store: LeasedStore<J>, stored: { job: J; etag?: string }, logger: Logger): Promise<{ job: J | null; mine: boolean }> {
    const job = stored.job
    job.lease = this.fresh()
    job.runs += 1
    job.updatedAt = iso(this.config.clock.now())
    try {
      await store.putJob(job, stored.etag)
    } catch (e) {
      if (!(e instanceof StaleWrite)) throw e
      return { job: (await store.getJob(job.id))?.job ?? null, mine: false }
    }
    const check = await store.getJob(job.id)
    if (check?.job.lease?.owner !== this.config.owner) return { job: check?.job ?? null, mine: false }
    logger?.info({ message: `${this.what} resumed`, jobId: job.id, runs: check.job.runs })
    return { job: check.job, mine: true }
  }

  /**
   * Writes the record (renewing the lease, or releasing it when `final`) while this runner holds
   * it; otherwise marks the run lost. Writes are serialised per run; `before` runs just before
   * each write (to settle derived fields).
   */
  public save<J extends LeasedRecord>(store: LeasedStore<J>, run: LeasedRun<J>, logger: Logger, final = false, before?: () => void): Promise<void> {
    const write = async () => {
      if (run.lost) return
      const job = run.job
      const stored = await store.getJob(job.id)
      const owner = stored?.job.lease?.owner
      if (stored && owner !== undefined && owner !== this.config.owner) {
        run.lost = true
        logger?.warn({ message: `${this.what} lease lost`, jobId: job.id })
        return
      }
      before?.()
      job.updatedAt = iso(this.config.clock.now())
      job.lease = final ? null : this.fresh()
      if (stored && !stored.etag) throw new Error(`VBase returned no ETag for ${this.what} ${job.id}: refusing a blind write`)
      try {
        await store.putJob(job, stored?.etag)
      } catch (e) {
        if (e instanceof StaleWrite) run.lost = true
        else throw e
      }
    }
    const next = run.saving.catch(() => undefined).then(write)
    run.saving = next
    return next
  }

  /**
   * Whether this runner may write for the job now: the stored lease is its own with at least
   * `heartbeatMs` left (renewed first when less is left). Marks the run lost otherwise.
   */
  public async holds<J extends LeasedRecord>(store: LeasedStore<J>, run: LeasedRun<J>, logger: Logger, before?: () => void): Promise<boolean> {
    for (let attempt = 0; attempt < 2 && !run.lost; attempt++) {
      const stored = await store.getJob(run.job.id)
      const lease = stored?.job.lease
      if (!stored || !lease || lease.owner !== this.config.owner) {
        run.lost = true
        logger?.warn({ message: `${this.what} lease lost: nothing more is written`, jobId: run.job.id })
        return false
      }
      if (Date.parse(lease.expiresAt) - this.config.clock.now() >= this.config.heartbeatMs) return true
      await this.save(store, run, logger, false, before)
    }
    return false
  }
}

/**
 * What the import and sync runners share: their config (with the lease's), their Leases, and
 * the runs this replica has going, each forgotten when it ends.
 */
export abstract class LeasedRunner<C extends LeaseConfig, R extends { done: Promise<void> }> {
  protected readonly live = new Map<string, R>()
  protected readonly leases: Leases

  /** `what` names the job kind in logs ("import job", "sync job"). */
  protected constructor(
    public readonly config: C,
    what: string
  ) {
    this.leases = new Leases(config, what)
  }

  /** Resolves when this replica's run of the job ends (tests, the demo). */
  public async settled(id: string): Promise<void> {
    await this.live.get(id)?.done
  }

  /**
   * Job `id` of `account` as recorded in `store` (null when it is another account's). One that
   * `resumable` accepts and whose lease expired is taken over; when this runner won it, it is
   * resumed with `resume` and answered as a copy.
   */
  protected async recorded<J extends LeasedRecord & { account: string }>(
    store: LeasedStore<J>,
    account: string,
    id: string,
    logger: Logger,
    resumable: (job: J) => boolean,
    resume: (job: J) => void
  ): Promise<J | null> {
    const stored = await store.getJob(id)
    if (!stored || stored.job.account !== account) return null
    if (!resumable(stored.job) || !this.leases.abandoned(stored.job)) return stored.job
    const taken = await this.leases.takeOver(store, stored, logger)
    if (!taken.job || !taken.mine) return taken.job
    resume(taken.job)
    return clone(taken.job)
  }

  /** Keeps `run` as job `id`'s run here, starts `work` (which handles its errors), and forgets the run when that settles. */
  protected track(id: string, run: R, work: () => Promise<unknown>): void {
    this.live.set(id, run)
    run.done = work()
      .then(() => undefined)
      .finally(() => {
        if (this.live.get(id) === run) this.live.delete(id)
      })
  }

  /**
   * Runs `body` as the run of `run.job`: the job marked RUNNING (started now, unless it started
   * before) and saved first, its record saved every `heartbeatMs` meanwhile (which renews the
   * lease); after, the heartbeat stopped and the last save awaited.
   */
  protected async heartbeat(run: LeasedRun<JobRecordBase>, save: () => Promise<void>, body: () => Promise<void>): Promise<void> {
    const timer = setInterval(() => void save().catch(() => undefined), this.config.heartbeatMs)
    timer.unref?.()
    try {
      run.job.status = 'RUNNING'
      run.job.startedAt ??= iso(this.now())
      await save()
      await body()
    } finally {
      clearInterval(timer)
      await run.saving.catch(() => undefined)
    }
  }

  protected now(): number {
    return this.config.clock.now()
  }
}
