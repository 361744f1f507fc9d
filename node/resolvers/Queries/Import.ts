/** validateCatalogBatch, importJob and the `ImportJob` fields (all behind @requiresPerson ADMIN). */
import type { Context } from '../../clients'
import { importDeps, runner } from '../../import/deps'
import type { EntityView } from '../../import/runner'
import type { ImportOptionsInput, JobRecord } from '../../import/job'
import { parseJobId, parseOptions } from '../../import/job'
import { validateBatch } from '../../import/validate'
import { asBatch } from '../scalars'

export interface BatchArgs {
  batch: unknown
  options?: ImportOptionsInput | null
}

export const importQueries = {
  validateCatalogBatch: async (_root: unknown, args: BatchArgs, ctx: Context) => {
    const batch = asBatch(args.batch)
    const options = parseOptions(args.options)
    const answer = await validateBatch(importDeps(ctx), batch, options)
    return { valid: answer.valid, errors: answer.errors, summary: answer.summary ?? null }
  },

  importJob: async (_root: unknown, args: { id: unknown }, ctx: Context) => {
    const id = parseJobId(args.id)
    const job = await runner.get(importDeps(ctx), id)
    return job ? toJob(job) : null
  },
}

/** The GraphQL `ImportJob`, keeping the record for `entities`. */
export function toJob(job: JobRecord) {
  const totals = job.phases.reduce(
    (a, p) => ({ total: a.total + p.total, done: a.done + p.done, failed: a.failed + p.failed, skipped: a.skipped + p.skipped }),
    { total: 0, done: 0, failed: 0, skipped: 0 }
  )
  const c = job.counters
  return {
    id: job.id,
    status: job.status,
    stage: job.stage,
    createdAt: job.createdAt,
    startedAt: job.startedAt,
    updatedAt: job.updatedAt,
    finishedAt: job.finishedAt,
    leaseExpiresAt: job.lease?.expiresAt ?? null,
    runs: job.runs,
    summary: job.summary,
    progress: {
      steps: job.steps,
      done: totals.done,
      failed: totals.failed,
      skipped: totals.skipped,
      pending: Math.max(0, job.steps - totals.done - totals.failed - totals.skipped),
      calls: c.calls,
      attempts: c.attempts,
      retries: c.retries,
      rateLimited: c.rateLimited,
      serverErrors: c.serverErrors,
      transportErrors: c.transportErrors,
      reused: c.reused,
      readMs: Math.round(job.timings.readMs),
      planMs: Math.round(job.timings.planMs),
      executeMs: Math.round(job.timings.executeMs),
      stepsPerSecond: job.timings.executeMs > 0 ? Math.round((totals.done * 100000) / job.timings.executeMs) / 100 : null,
    },
    phases: job.phases,
    errors: job.errors.map((e) => ({ path: e.path, code: e.code, message: e.message, key: e.key ?? null })),
    errorCount: job.errorCount,
    record: job,
  }
}

export const importJobFields = {
  entities: (
    parent: ReturnType<typeof toJob>,
    args: { phase?: string | null; status?: string | null; first?: number | null; offset?: number | null },
    ctx: Context
  ): Promise<EntityView[]> => {
    const first = Math.min(Math.max(args.first ?? 100, 0), 1000)
    const offset = Math.max(args.offset ?? 0, 0)
    return runner.entities(importDeps(ctx), parent.record, { phase: args.phase, status: args.status, first, offset })
  },
}
