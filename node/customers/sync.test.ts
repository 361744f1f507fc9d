/**
 * The customer sync on the shared runner against an in-memory Master Data that plays §F.2's
 * rules that matter here (upsert by body id, 304 when nothing changes, PATCH of a missing id is
 * 404, uniqueness not enforced, `_where` OR of exact equalities), with the real wasm core.
 */
import type { MdDocument, ScrollPage, SearchPage } from '../clients/masterData'
import { FakeKv } from '../test-support/fakeKv'
import { HttpError } from '../test-support/fakeImportTarget'
import { silentLogger, testClock } from '../test-support/fakeOrders'
import type { SyncOptions } from '../sync/job'
import type { SyncDeps } from '../sync/runner'
import { SyncRunner } from '../sync/runner'
import { KvSyncStore } from '../sync/store'
import type { CustomerBatch } from './core'
import type { CustomerGroup, MasterDataApi } from './sync'
import { CustomerSync, SCROLL_ABOVE, stable } from './sync'

const OPTIONS: SyncOptions = { concurrency: 4, maxAttempts: 6, perSecond: 1000, burst: 1000 }

class FakeMasterData implements MasterDataApi {
  public readonly docs = new Map<string, Record<string, unknown>>()
  public readonly calls: string[] = []
  /** `{ac}/{id}` of every upsert, in order. */
  public readonly order: string[] = []
  public failures: number[] = []
  public searches = 0
  public scrolls = 0

  private key = (ac: string, id: string) => `${ac}/${id}`

  private fail(): void {
    const status = this.failures.shift()
    if (status !== undefined) throw new HttpError(status, status === 429 ? { 'retry-after': '1' } : {})
  }

  public async upsert(ac: string, body: Record<string, unknown> & { id: string }): Promise<boolean> {
    this.fail()
    this.calls.push(`upsert ${ac}`)
    this.order.push(`${ac}/${body.id}`)
    const { id, ...fields } = body
    const held = this.docs.get(this.key(ac, id))
    const next = { ...(held ?? { id }), ...fields }
    if (held && stable(held) === stable(next)) return false
    this.docs.set(this.key(ac, id), next)
    return true
  }

  public async patch(ac: string, id: string, fields: Record<string, unknown>): Promise<void> {
    this.fail()
    this.calls.push(`patch ${ac}`)
    const held = this.docs.get(this.key(ac, id))
    if (!held) throw new HttpError(404, {})
    this.docs.set(this.key(ac, id), { ...held, ...fields })
  }

  public async delete(ac: string, id: string): Promise<boolean> {
    this.fail()
    this.calls.push(`delete ${ac}`)
    return this.docs.delete(this.key(ac, id))
  }

  private matching(ac: string, where?: string): MdDocument[] {
    const terms = (where ?? '').split(' OR ').filter(Boolean).map((t) => {
      const [field, value] = t.split('=')
      return { field, value: value.replace(/^"|"$/g, '') }
    })
    return [...this.docs.entries()]
      .filter(([k]) => k.startsWith(`${ac}/`))
      .map(([, d]) => d as MdDocument)
      .filter((d) => terms.length === 0 || terms.some((t) => d[t.field] === t.value))
  }

  public async searchAll<T extends MdDocument>(ac: string, where: string, _f: readonly string[], page?: (call: () => Promise<SearchPage<T>>) => Promise<SearchPage<T>>): Promise<T[]> {
    this.searches += 1
    const all = this.matching(ac, where) as T[]
    const got = await (page ?? ((c) => c()))(async () => {
      this.fail()
      return { documents: all, total: all.length }
    })
    return got.documents
  }

  public async scrollAll<T extends MdDocument>(ac: string, _f: readonly string[], where?: string, page?: (call: () => Promise<ScrollPage<T>>) => Promise<ScrollPage<T>>): Promise<T[]> {
    this.scrolls += 1
    const all = this.matching(ac, where) as T[]
    const got = await (page ?? ((c) => c()))(async () => ({ documents: all, token: null }))
    return got.documents
  }

  public count(ac: string): number {
    return [...this.docs.keys()].filter((k) => k.startsWith(`${ac}/`)).length
  }
}

function cpf(n: number): string {
  const base = String(100000000 + n).slice(-9).split('').map(Number)
  const digit = (ds: number[]) => {
    const s = ds.reduce((acc, d, i) => acc + d * (ds.length + 1 - i), 0)
    const r = (s * 10) % 11
    return r === 10 ? 0 : r
  }
  const d1 = digit(base)
  const d2 = digit([...base, d1])
  return [...base, d1, d2].join('')
}

function batchOf(n: number, offset = 0): CustomerBatch {
  return {
    customers: Array.from({ length: n }, (_, i) => ({
      email: `Person.${i + offset}@Example.com`,
      firstName: 'Zoë',
      lastName: `Número ${i + offset}`,
      phone: `+55119${String(10000000 + i + offset)}`,
      documentType: 'CPF',
      document: cpf(i + offset + 11),
      addresses: [
        { addressName: 'casa', street: 'Rua Augusta', number: String(i + 1), city: 'São Paulo', state: 'SP', country: 'BRA', postalCode: '01305-000' },
      ],
    })),
    policy: { erpWins: [], addressErpWins: [], staleAddresses: 'keep', corporateDocumentIsCnpj: true },
  }
}

function deps(md: FakeMasterData, kv: FakeKv, records = new FakeKv()): SyncDeps<CustomerBatch, CustomerGroup> {
  return { domain: new CustomerSync(md, records, 'ponte'), store: new KvSyncStore(kv), account: 'ponte', workspace: 'master', logger: silentLogger }
}

async function run(runner: SyncRunner, d: SyncDeps<CustomerBatch, CustomerGroup>, batch: CustomerBatch) {
  const job = await runner.submit(d, batch, OPTIONS, null)
  await runner.settled(job.id)
  return (await d.store.getJob(job.id))!.job
}

describe('CustomerSync', () => {
  it('writes each CL before its AD with AD.userId the bare CL id, and a second run writes nothing', async () => {
    const md = new FakeMasterData()
    const records = new FakeKv()
    const d = deps(md, new FakeKv(), records)
    const runner = new SyncRunner({ clock: testClock() })
    const first = await run(runner, d, batchOf(30))
    expect(first).toMatchObject({ status: 'SUCCEEDED', kind: 'CUSTOMERS', items: 30, writes: 30, done: 30 })
    expect(md.count('CL')).toBe(30)
    expect(md.count('AD')).toBe(30)
    for (const [k, ad] of md.docs) {
      if (!k.startsWith('AD/')) continue
      expect(md.docs.has(`CL/${ad.userId}`)).toBe(true)
      expect(md.order.indexOf(`CL/${ad.userId}`)).toBeLessThan(md.order.indexOf(k))
      expect(md.order.indexOf(`CL/${ad.userId}`)).toBeGreaterThanOrEqual(0)
    }
    // Per customer the calls are CL then AD (the pool interleaves customers, never a pair).
    expect(md.calls.filter((c) => c === 'upsert CL')).toHaveLength(30)
    expect([...records.files.keys()].filter((k) => k.startsWith('written/'))).toHaveLength(30)

    md.calls.length = 0
    const second = await run(runner, d, batchOf(30))
    expect(second).toMatchObject({ status: 'SUCCEEDED', writes: 0, unchanged: 30 })
    expect(md.calls).toEqual([])
  })

  it('refuses a batch with errors before reading Master Data, with paths and no personal data', async () => {
    const md = new FakeMasterData()
    const batch = batchOf(3)
    batch.customers[1].document = '111.111.111-11'
    batch.customers[2].email = 'person.0@example.com'
    const job = await run(new SyncRunner({ clock: testClock() }), deps(md, new FakeKv()), batch)
    expect(job.status).toBe('FAILED')
    expect(job.errors.map((e) => e.path)).toEqual(expect.arrayContaining(['customers[1].document']))
    expect(md.searches).toBe(0)
    expect(md.calls).toEqual([])
    const text = JSON.stringify(job.errors)
    expect(text).not.toMatch(/person\.0@example\.com|11111111111|111\.111/i)
  })

  it('retries 429 and 5xx without repeating the calls a customer already made', async () => {
    const md = new FakeMasterData()
    md.failures = [503, 429, 500]
    const job = await run(new SyncRunner({ clock: testClock() }), deps(md, new FakeKv()), batchOf(5))
    expect(job).toMatchObject({ status: 'SUCCEEDED', done: 5 })
    expect(job.counters).toMatchObject({ rateLimited: 1, serverErrors: 2 })
    expect(md.count('CL')).toBe(5)
    expect(md.count('AD')).toBe(5)
  })

  it('two replicas creating the same new emails at once end with one profile each', async () => {
    const md = new FakeMasterData()
    const a = new SyncRunner({ clock: testClock(), owner: 'a' })
    const b = new SyncRunner({ clock: testClock(), owner: 'b' })
    const [ja, jb] = await Promise.all([
      a.submit(deps(md, new FakeKv()), batchOf(20), OPTIONS, null),
      b.submit(deps(md, new FakeKv()), batchOf(20), OPTIONS, null),
    ])
    await Promise.all([a.settled(ja.id), b.settled(jb.id)])
    expect(md.count('CL')).toBe(20)
    expect(md.count('AD')).toBe(20)
    const emails = [...md.docs.entries()].filter(([k]) => k.startsWith('CL/')).map(([, d]) => d.email)
    expect(new Set(emails).size).toBe(20)
  })

  it('scrolls instead of searching when the lookups are many', async () => {
    const md = new FakeMasterData()
    const n = Math.ceil(SCROLL_ABOVE / 2) + 1 // two lookups per customer (email and document)
    const job = await run(new SyncRunner({ clock: testClock() }), deps(md, new FakeKv()), batchOf(n))
    expect(job.status).toBe('SUCCEEDED')
    expect(md.scrolls).toBe(1) // CL scrolled; no profile found, so no AD read
    expect(md.searches).toBe(0)
    expect(md.count('CL')).toBe(n)
  }, 60_000)
})
