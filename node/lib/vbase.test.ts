/** RetryingKv: VBase's 429s and 5xx are outlasted; what stays down is VBASE_UNAVAILABLE; a 412 is an answer. */
import type { Clock } from './clock'
import { PonteError } from './errors'
import type { Kv } from './vbase'
import { RetryingKv, StaleWrite, VBASE_UNAVAILABLE } from './vbase'

const instant: Clock = { now: () => 0, sleep: async () => undefined, random: () => 0.5 }

const http = (status: number) => Object.assign(new Error(`Request failed with status code ${status}`), { response: { status, headers: {} } })

/** A Kv whose `get` throws the given errors in turn, then answers. */
function failing(errors: unknown[]): Kv & { calls: number } {
  const kv = {
    calls: 0,
    async get<T>() {
      kv.calls += 1
      const e = errors.shift()
      if (e) throw e
      return { data: { ok: true } as T, etag: 'e1' }
    },
    async put() {
      kv.calls += 1
      throw new StaleWrite('changed')
    },
    delete: async () => undefined,
    list: async () => [],
    listPage: async () => ({ paths: [], next: null }),
  }
  return kv
}

describe('RetryingKv', () => {
  it('outlasts a 429 and a 503', async () => {
    const inner = failing([http(429), http(503)])
    expect(await new RetryingKv(inner, undefined, instant).get('a')).toEqual({ data: { ok: true }, etag: 'e1' })
    expect(inner.calls).toBe(3)
  })

  it('ends as VBASE_UNAVAILABLE when VBase stays down', async () => {
    const inner = failing(Array.from({ length: 20 }, () => http(503)))
    const e = await new RetryingKv(inner, undefined, instant).get('a').catch((x: unknown) => x)
    expect(e).toBeInstanceOf(PonteError)
    expect((e as PonteError).extensions.code).toBe(VBASE_UNAVAILABLE)
    expect(inner.calls).toBe(4)
  })

  it('passes a stale write on at once, and other refusals as they are', async () => {
    const inner = failing([http(403)])
    await expect(new RetryingKv(inner, undefined, instant).put('a', {}, 'e0')).rejects.toBeInstanceOf(StaleWrite)
    expect(inner.calls).toBe(1)
    await expect(new RetryingKv(inner, undefined, instant).get('a')).rejects.toThrow('status code 403')
  })
})
