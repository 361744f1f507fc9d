import { DEFAULT_RETRY } from '../lib/retry'
import { Throttle, zeroCounters } from '../lib/throttle'
import { FakeKv } from '../test-support/fakeKv'
import { HttpError } from '../test-support/fakeImportTarget'
import { silentLogger, testClock } from '../test-support/fakeOrders'
import type { FixedPrice, Price, PricePut, PricingConfig } from '../pricing/core'
import { PriceSync } from '../pricing/sync'
import type { SyncOptions } from './job'
import { Pacer } from './pacer'
import type { Planned, SyncDeps, SyncDomain } from './runner'
import { SyncRunner } from './runner'
import type { PlannedWrite } from './store'
import { KvSyncStore } from './store'

const OPTIONS: SyncOptions = { concurrency: 4, maxAttempts: 4, perSecond: 1000, burst: 1000 }

/** A domain whose plan is `n` writes (or errors) and whose writes fail as scripted. */
class FakeDomain implements SyncDomain<{ n: number; bad?: boolean }, number> {
  public readonly kind = 'PRICES' as const
  public readonly written: number[] = []
  public failures = new Map<number, number[]>()
  public stopAfter: number | null = null

  public size(b: { n: number }): number {
    return b.n
  }

  public async plan(b: { n: number; bad?: boolean }): Promise<Planned<number>> {
    if (b.bad) return { ok: false, errors: [{ path: 'items[0]', code: 'PRICE_TABLE_NOT_FOUND', message: 'no table' }] }
    const writes: Array<PlannedWrite<number>> = Array.from({ length: b.n }, (_, i) => ({ index: i, key: `w${i}`, path: `items[${i}]`, write: i }))
    return { ok: true, writes, unchanged: 1, summary: { puts: b.n } }
  }

  public async write(w: PlannedWrite<number>): Promise<void> {
    const script = this.failures.get(w.write)
    const status = script?.shift()
    if (status !== undefined) throw new HttpError(status, status === 429 ? { 'retry-after': '1' } : {})
    this.written.push(w.write)
  }
}

function deps(domain: FakeDomain, kv: FakeKv): SyncDeps<{ n: number; bad?: boolean }, number> {
  return { domain, store: new KvSyncStore(kv), account: 'acme', workspace: 'master', logger: silentLogger }
}

describe('SyncRunner', () => {
  it('refuses a batch with errors before writing anything', async () => {
    const kv = new FakeKv()
    const domain = new FakeDomain()
    const runner = new SyncRunner({ clock: testClock() })
    const job = await runner.submit(deps(domain, kv), { n: 3, bad: true }, OPTIONS, 'ana@example.com')
    await runner.settled(job.id)
    const done = await runner.get(deps(domain, kv), job.id)
    expect(done?.status).toBe('FAILED')
    expect(done?.errors).toEqual([{ path: 'items[0]', code: 'PRICE_TABLE_NOT_FOUND', message: 'no table' }])
    expect(domain.written).toEqual([])
  })

  it('writes every planned write once, waiting out 429, retrying 5xx and 423', async () => {
    const kv = new FakeKv()
    const domain = new FakeDomain()
    domain.failures.set(1, [429, 429])
    domain.failures.set(2, [503])
    domain.failures.set(3, [423, 423])
    domain.failures.set(4, [400])
    const clock = testClock()
    const runner = new SyncRunner({ clock })
    const job = await runner.submit(deps(domain, kv), { n: 6 }, OPTIONS, null)
    await runner.settled(job.id)
    const done = await runner.get(deps(domain, kv), job.id)
    expect(done).toMatchObject({ status: 'FAILED', writes: 6, done: 5, failed: 1, unchanged: 1, errorCount: 1 })
    expect(done?.errors[0]).toMatchObject({ path: 'items[4]', key: 'w4', code: 'VTEX_REFUSED' })
    expect(domain.written.sort()).toEqual([0, 1, 2, 3, 5])
    expect(done?.counters).toMatchObject({ rateLimited: 2, serverErrors: 1, locked: 2 })
    expect(clock.slept.filter((ms) => ms === 1000)).toHaveLength(2)
  })

  it('resumes an abandoned job on another replica without repeating recorded writes', async () => {
    const kv = new FakeKv()
    const first = new FakeDomain()
    // Replica A writes a few, then its lease lapses (it "dies": no more heartbeats or writes).
    const a = new SyncRunner({ clock: testClock(), leaseMs: 50, heartbeatMs: 10_000, owner: 'a' })
    first.failures.set(5, [503, 503, 503]) // slows write 5 so A is mid-job
    const job = await a.submit(deps(first, kv), { n: 10 }, { ...OPTIONS, concurrency: 1 }, null)
    await a.settled(job.id)
    const afterA = await new KvSyncStore(kv).getJob(job.id)
    expect(afterA?.job.status).toBe('SUCCEEDED')

    // A job whose runner vanished mid-way: its record still RUNNING with an expired lease.
    const kv2 = new FakeKv()
    const store = new KvSyncStore(kv2)
    const partial = new FakeDomain()
    const b = new SyncRunner({ clock: testClock(), leaseMs: 20, owner: 'b' })
    const j2 = await b.submit(deps(partial, kv2), { n: 8 }, { ...OPTIONS, concurrency: 1 }, null)
    await b.settled(j2.id)
    // Forge the crash: drop results of writes 4..7 and mark it RUNNING with an expired lease.
    const rec = (await store.getJob(j2.id))!.job
    await kv2.put(`jobs/${j2.id}/results/0.json`, Object.fromEntries(Array.from({ length: 4 }, (_, i) => [`w${i}`, { index: i, status: 'DONE', attempts: 1, at: rec.createdAt }])))
    await store.putJob({ ...rec, status: 'RUNNING', stage: 'WRITING', lease: { owner: 'b', expiresAt: new Date(Date.now() - 1000).toISOString() } })
    const resumedDomain = new FakeDomain()
    const c = new SyncRunner({ clock: testClock(), owner: 'c' })
    const taken = await c.get(deps(resumedDomain, kv2), j2.id)
    expect(taken?.runs).toBe(2)
    await c.settled(j2.id)
    expect(resumedDomain.written.sort()).toEqual([4, 5, 6, 7])
    expect((await store.getJob(j2.id))?.job).toMatchObject({ status: 'SUCCEEDED', done: 8, runs: 2, lease: null })
  })

  it('stops writing once another runner holds the lease (fencing)', async () => {
    const kv = new FakeKv()
    const store = new KvSyncStore(kv)
    const domain = new FakeDomain()
    let steal: (() => Promise<void>) | null = null
    const original = domain.write.bind(domain)
    domain.write = async (w) => {
      if (w.write === 2 && steal) await steal()
      return original(w)
    }
    const a = new SyncRunner({ clock: testClock(), heartbeatMs: 5, owner: 'a' })
    const job = await a.submit(deps(domain, kv), { n: 40 }, { ...OPTIONS, concurrency: 1 }, null)
    steal = async () => {
      steal = null
      const rec = (await store.getJob(job.id))!
      await store.putJob({ ...rec.job, lease: { owner: 'other', expiresAt: new Date(Date.now() + 60_000).toISOString() } }, rec.etag)
      await new Promise((r) => setTimeout(r, 30)) // a heartbeat sees it
    }
    await a.settled(job.id)
    expect(domain.written.length).toBeLessThanOrEqual(4)
    expect((await store.getJob(job.id))?.job.lease?.owner).toBe('other')
  })
})

describe('SyncRunner.sweep', () => {
  it('finishes an abandoned job nobody polls, and forgets the marks of finished ones', async () => {
    const kv = new FakeKv()
    const store = new KvSyncStore(kv)
    const domain = new FakeDomain()
    const a = new SyncRunner({ clock: testClock(), owner: 'a' })
    const job = await a.submit(deps(domain, kv), { n: 3 }, OPTIONS, null)
    await a.settled(job.id)
    expect(await store.listOpen(10)).toEqual([])
    // A delta accepted by a replica that died before running it.
    const rec = (await store.getJob(job.id))!.job
    await store.putJob({ ...rec, id: 'syn-abandoned1', status: 'QUEUED', stage: 'READING', lease: { owner: 'dead', expiresAt: new Date(Date.now() - 1).toISOString() }, done: 0, writes: 0, planChunks: 0 })
    await store.putBatch('syn-abandoned1', { n: 2 })
    await store.markOpen('syn-abandoned1')
    await store.markOpen('syn-gone')
    const b = new SyncRunner({ clock: testClock(), owner: 'b' })
    const other = new FakeDomain()
    expect(await b.sweep(store, () => deps(other, kv) as never)).toBe(1)
    await b.settled('syn-abandoned1')
    expect((await store.getJob('syn-abandoned1'))?.job).toMatchObject({ status: 'SUCCEEDED', done: 2, runs: 2 })
    expect(other.written.sort()).toEqual([0, 1])
    expect(await store.listOpen(10)).toEqual([])
  })
})

describe('Pacer', () => {
  it('lets a burst through, then paces at the rate, and follows Ratelimit-Remaining', async () => {
    let now = 0
    const clock = { now: () => now, sleep: async (ms: number) => void (now += ms), random: () => 0.5 }
    const pacer = new Pacer({ perSecond: 10, burst: 5 }, clock)
    for (let i = 0; i < 5; i++) await pacer.acquire()
    expect(now).toBe(0)
    for (let i = 0; i < 10; i++) await pacer.acquire()
    expect(now).toBeGreaterThanOrEqual(990)
    expect(now).toBeLessThanOrEqual(1100)
    const before = now
    pacer.observe(0)
    await pacer.acquire()
    expect(now - before).toBeGreaterThanOrEqual(99)
  })
})

describe('PriceSync', () => {
  const config: PricingConfig = { hasOptionalBasePrice: false } as unknown as PricingConfig
  it('plans again before a PUT, carrying a fixed price added in VTEX meanwhile', async () => {
    const prices = new Map<number, Price>([[7, { itemId: 7, basePrice: 10, costPrice: 10, markup: 0, fixedPrices: [] } as unknown as Price]])
    const puts: Array<{ id: number; body: PricePut }> = []
    const pricing = {
      price: async (id: number) => prices.get(id) ?? null,
      put: async (id: number, body: PricePut) => {
        puts.push({ id, body })
        return { remaining: null, resetSeconds: null }
      },
      patchFixed: async (_id: number, _f: FixedPrice[]) => ({ remaining: null, resetSeconds: null }),
      tables: async () => ['1', 'b2b'],
      config: async () => config,
    }
    const catalog = {
      skuIdByRefId: async (refId: string) => (refId === 'S-7' ? 7 : null),
      skuByEan: async () => null,
      salesChannels: async () => [{ Id: 1 }],
    }
    const sync = new PriceSync(catalog, pricing)
    const io = { throttle: new Throttle(zeroCounters()), retry: DEFAULT_RETRY, pacer: new Pacer({ perSecond: 100, burst: 100 }), concurrency: 2, lost: () => false }
    const planned = await sync.plan({ items: [{ refId: 'S-7', basePrice: 12, fixedPrices: [], removeFixedPrices: [] }] } as never, io)
    if (!planned.ok) throw new Error(JSON.stringify(planned.errors))
    expect(planned.writes).toHaveLength(1)
    // Meanwhile a merchant adds a b2b fixed price in VTEX.
    prices.set(7, { ...prices.get(7)!, fixedPrices: [{ tradePolicyId: 'b2b', value: 9, minQuantity: 1 } as FixedPrice] })
    await sync.write(planned.writes[0], io)
    expect(puts).toHaveLength(1)
    expect(puts[0].body.fixedPrices).toEqual([expect.objectContaining({ tradePolicyId: 'b2b', value: 9 })])
    expect(puts[0].body.basePrice).toBe(12)
  })
})
