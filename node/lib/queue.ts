/** Bounded concurrency: a pool over a list, and a queue of background work. */

/** Runs `fn` over `items` with at most `limit` at a time; results in input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length)
  let next = 0
  const worker = async () => {
    while (next < items.length) {
      const i = next++
      out[i] = await fn(items[i], i)
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker))
  return out
}

export interface QueueLimits {
  /** Tasks running at once. */
  concurrency: number
  /** Tasks waiting at most; beyond that a task is refused (not run). */
  queue: number
}

/**
 * Background work of one process: at most `concurrency` tasks at once and at most `queue`
 * waiting. The limits are given per offer (they come from settings that may change).
 */
export class BoundedQueue {
  private running = 0
  private readonly waiting: Array<() => void> = []

  /**
   * Starts `task` (now, or when a running one ends) without the caller waiting for it; resolves
   * with its result, or with null at once when the queue is full (the task is not run). A
   * task's failure is the caller's to observe: the queue itself never rejects unhandled.
   */
  public offer<R>(task: () => Promise<R>, limits: QueueLimits): Promise<R | null> {
    if (this.running >= limits.concurrency && this.waiting.length >= limits.queue) return Promise.resolve(null)
    const run = new Promise<void>((start) => {
      if (this.running < limits.concurrency) {
        this.running += 1
        start()
      } else this.waiting.push(start)
    }).then(async () => {
      try {
        return await task()
      } finally {
        const next = this.waiting.shift()
        if (next) next()
        else this.running -= 1
      }
    })
    run.catch(() => undefined)
    return run
  }
}
