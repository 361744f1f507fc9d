/** Bounded background work, and its yielding to the foreground. */
import { BoundedQueue, Foreground, mapLimit, yielding } from './queue'

const tick = (ms = 0) => new Promise((done) => setTimeout(done, ms))

describe('mapLimit', () => {
  it('keeps input order and the limit', async () => {
    let running = 0
    let most = 0
    const out = await mapLimit([5, 1, 3, 2], 2, async (x) => {
      running += 1
      most = Math.max(most, running)
      await tick(x)
      running -= 1
      return x * 10
    })
    expect(out).toEqual([50, 10, 30, 20])
    expect(most).toBe(2)
  })
})

describe('Foreground', () => {
  it('lets background steps through at once when idle, after the last answer when busy, or after maxWaitMs', async () => {
    const fg = new Foreground()
    const order: string[] = []
    await fg.idle(1000)
    order.push('idle')
    const a = fg.begin()
    const b = fg.begin()
    const waited = fg.idle(10000).then(() => order.push('after both'))
    a()
    a() // ending twice counts once
    await tick(5)
    expect(fg.inFlight).toBe(1)
    order.push('one left')
    b()
    await waited
    expect(order).toEqual(['idle', 'one left', 'after both'])
    const c = fg.begin()
    const started = Date.now()
    await fg.idle(30)
    expect(Date.now() - started).toBeGreaterThanOrEqual(25)
    c()
  })

  it('makes a wrapped client wait for the answers in flight, and passes properties through', async () => {
    const fg = new Foreground()
    const client = { calls: 0, async get(x: number) { this.calls += 1; return x + 1 } }
    const wrapped = yielding(client, fg, 10000)
    const end = fg.begin()
    let answer: number | null = null
    const call = wrapped.get(1).then((x) => (answer = x))
    await tick(5)
    expect(answer).toBeNull()
    expect(client.calls).toBe(0)
    end()
    await call
    expect(answer).toBe(2)
    expect(wrapped.calls).toBe(1)
  })

  it('holds a queued task back until the foreground is idle', async () => {
    const fg = new Foreground()
    const queue = new BoundedQueue()
    const end = fg.begin()
    let ran = false
    const done = queue.offer(async () => (ran = true), { concurrency: 1, queue: 1, yieldTo: { foreground: fg, yieldMs: 10000 } })
    await tick(5)
    expect(ran).toBe(false)
    end()
    await done
    expect(ran).toBe(true)
  })
})

describe('BoundedQueue', () => {
  it('refuses beyond its bound and runs the rest', async () => {
    const queue = new BoundedQueue()
    const limits = { concurrency: 1, queue: 1 }
    const a = queue.offer(() => tick(10).then(() => 'a'), limits)
    const b = queue.offer(async () => 'b', limits)
    const c = queue.offer(async () => 'c', limits)
    expect(await Promise.all([a, b, c])).toEqual(['a', 'b', null])
  })
})
