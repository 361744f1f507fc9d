/**
 * Keeps a job's writes within a VTEX route's published limit: a token bucket of `perSecond`
 * tokens a second holding at most `burst` (Pricing: 40/s with 1,000 burst credits on the
 * developer portal, 33/s with 500 in the OpenAPI file; Ponte takes the lower by default,
 * docs/vtex/H-gaps.md §H.9). When VTEX says how much is left (`Ratelimit-Remaining`), the bucket
 * never holds more than that, so a budget spent by another client of the account is respected.
 * A 429 is handled by the caller (Retry-After); the pacer only makes one rare.
 */
import type { Clock } from '../lib/clock'
import { realClock } from '../lib/clock'

export interface PaceLimit {
  perSecond: number
  burst: number
}

export class Pacer {
  private tokens: number
  private last: number
  private queue: Promise<void> = Promise.resolve()

  constructor(
    public limit: PaceLimit,
    private readonly clock: Clock = realClock
  ) {
    this.tokens = limit.burst
    this.last = clock.now()
  }

  /** Resolves when one call may go out (calls go out in the order they asked). */
  public acquire(): Promise<void> {
    const turn = this.queue.then(() => this.take())
    this.queue = turn.catch(() => undefined)
    return turn
  }

  /** What VTEX said is left of the budget (`Ratelimit-Remaining`). */
  public observe(remaining: number | null): void {
    if (remaining === null) return
    this.refill()
    this.tokens = Math.min(this.tokens, Math.max(0, remaining))
  }

  private refill(): void {
    const now = this.clock.now()
    this.tokens = Math.min(this.limit.burst, this.tokens + ((now - this.last) * this.limit.perSecond) / 1000)
    this.last = now
  }

  private async take(): Promise<void> {
    for (;;) {
      this.refill()
      if (this.tokens >= 1) {
        this.tokens -= 1
        return
      }
      await this.clock.sleep(Math.ceil(((1 - this.tokens) * 1000) / this.limit.perSecond))
    }
  }
}

const shared = new Map<string, Pacer>()

/**
 * The replica's one pacer for `key` (an account and a kind of write): every job writing there
 * draws from the same budget, so ten jobs at once still go out at the limit, not ten times it.
 * A job that asks for another limit sets it for all.
 */
export function sharedPacer(key: string, limit: PaceLimit, clock: Clock = realClock): Pacer {
  let pacer = shared.get(key)
  if (!pacer) {
    pacer = new Pacer(limit, clock)
    shared.set(key, pacer)
  } else if (pacer.limit.perSecond !== limit.perSecond || pacer.limit.burst !== limit.burst) {
    pacer.limit = limit
  }
  return pacer
}
