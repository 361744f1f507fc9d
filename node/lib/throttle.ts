/**
 * The job's counters (every Catalog call counted on its way out) and a retrying wrapper for
 * reads: a 429 waits for its `Retry-After`, 5xx and transport errors back off (retry.ts).
 */
import type { RetryPolicy } from './retry'
import { backoffMs, classify } from './retry'
import type { Clock } from './clock'
import { realClock } from './clock'

/** What a job counts; kept in the job record, shown by `importJob`. */
export interface Counters {
  /** Catalog calls made (every attempt of every call). */
  calls: number
  /** Step attempts (a step's first try and each retry). */
  attempts: number
  /** Step and read retries, whatever the cause. */
  retries: number
  /** 429 answers. */
  rateLimited: number
  /** 5xx answers. */
  serverErrors: number
  /** Timeouts and connection errors. */
  transportErrors: number
  /** Creates that found their entity already there (by RefId or name within parent) and wrote nothing. */
  reused: number
  /** Milliseconds spent waiting on Retry-After (summed over the calls that waited). */
  rateLimitWaitMs: number
  /** 423 answers (Logistics: the SKU's inventory in that warehouse was locked by another write). */
  locked?: number
}

export const zeroCounters = (): Counters => ({
  calls: 0,
  attempts: 0,
  retries: 0,
  rateLimited: 0,
  serverErrors: 0,
  transportErrors: 0,
  reused: 0,
  rateLimitWaitMs: 0,
})

export class Throttle {
  constructor(
    public readonly counters: Counters,
    public readonly clock: Clock = realClock
  ) {}

  /** Waits out a 429's Retry-After. */
  public async waitRetryAfter(ms: number): Promise<void> {
    this.counters.rateLimitWaitMs += ms
    await this.clock.sleep(ms)
  }

  /** The target with every method call counted. */
  public wrap<T extends object>(target: T): T {
    return new Proxy(target, {
      get: (t, prop, receiver) => {
        const value = Reflect.get(t, prop, receiver)
        if (typeof value !== 'function') return value
        return async (...args: unknown[]) => {
          this.counters.calls += 1
          return (value as (...a: unknown[]) => unknown).apply(t, args)
        }
      },
    })
  }

  /**
   * Runs an idempotent call (a read, or a write of absolute values), retrying 429 after its
   * Retry-After, 5xx and transport errors with backoff, and (with `lockedWaitMs`) a 423 lock
   * after that wait; anything else is thrown. `before` runs before every try (a pacer).
   */
  public async retrying<T>(
    call: () => Promise<T>,
    policy: RetryPolicy,
    options: { lockedWaitMs?: number; before?: () => Promise<void> } = {}
  ): Promise<T> {
    let failures = 0
    let limited = 0
    for (;;) {
      try {
        if (options.before) await options.before()
        return await call()
      } catch (e) {
        const f = classify(e, policy, this.clock.now())
        if (f.kind === 'rateLimited' && limited < policy.maxRateLimited) {
          limited += 1
          this.counters.rateLimited += 1
          this.counters.retries += 1
          await this.waitRetryAfter(f.retryAfterMs)
          continue
        }
        const locked = options.lockedWaitMs !== undefined && f.kind === 'refused' && f.status === 423
        if ((f.kind === 'transient' || locked) && failures + 1 < policy.maxAttempts) {
          failures += 1
          if (locked) this.counters.locked = (this.counters.locked ?? 0) + 1
          else if (f.status === null) this.counters.transportErrors += 1
          else this.counters.serverErrors += 1
          this.counters.retries += 1
          await this.clock.sleep(locked ? (options.lockedWaitMs ?? 0) : backoffMs(failures, policy, () => this.clock.random()))
          continue
        }
        throw e
      }
    }
  }
}
