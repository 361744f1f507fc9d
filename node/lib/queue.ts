/**
 * Bounded concurrency: a pool over a list, a queue of background work, and the foreground that
 * background work yields to.
 */

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
  /** A task starts once no foreground work is in flight here, or after `yieldMs`. */
  yieldTo?: { foreground: Foreground; yieldMs: number }
}

/**
 * Work of this process that someone is waiting for (answering VTEX's hook and IO events), which
 * background work yields to: a background step waits while any foreground work is in flight,
 * for at most `maxWaitMs`, so it is delayed under load but never stopped. Node runs one thing
 * at a time; this decides which of the ready things goes first.
 */
export class Foreground {
  private active = 0
  private readonly waiters = new Set<() => void>()

  /** Marks foreground work from now until the returned function is called (once). */
  public begin(): () => void {
    this.active += 1
    let ended = false
    return () => {
      if (ended) return
      ended = true
      this.active -= 1
      if (this.active === 0) {
        const waiting = [...this.waiters]
        this.waiters.clear()
        for (const wake of waiting) wake()
      }
    }
  }

  /** Foreground work in flight right now. */
  public get inFlight(): number {
    return this.active
  }

  /** Resolves at once when no foreground work is in flight; else when none is, or after `maxWaitMs`. */
  public idle(maxWaitMs: number): Promise<void> {
    if (this.active === 0 || !(maxWaitMs > 0)) return Promise.resolve()
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer)
        this.waiters.delete(wake)
        resolve()
      }
      const timer = setTimeout(wake, maxWaitMs)
      this.waiters.add(wake)
    })
  }
}

/** This process's foreground (one per process: what it yields to is this process's CPU). */
export const foreground = new Foreground()

/**
 * `target` with every method call made to wait for {@link Foreground.idle} first: the IO clients
 * of background work, so each of its steps yields to the answers in flight.
 */
export function yielding<T extends object>(target: T, gate: Foreground, maxWaitMs: number): T {
  return new Proxy(target, {
    get(obj, prop, receiver) {
      const value: unknown = Reflect.get(obj, prop, receiver)
      if (typeof value !== 'function') return value
      return async (...args: unknown[]) => {
        await gate.idle(maxWaitMs)
        return (value as (...a: unknown[]) => unknown).apply(obj, args)
      }
    },
  })
}

/**
 * Background work of one process: at most `concurrency` tasks at once and at most `queue`
 * waiting. The limits are given per offer (they come from settings that may change), and so is
 * the {@link Foreground} a task yields to before it starts.
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
        if (limits.yieldTo) await limits.yieldTo.foreground.idle(limits.yieldTo.yieldMs)
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
