import type { ImportBatch, PlanStep } from './core'
import { emptyState, planCatalogImport } from './core'
import { FakeImportTarget } from '../test-support/fakeImportTarget'
import type { StepResult } from './executor'
import { PlanExecutor } from './executor'
import type { JobOptions } from './job'
import { parseOptions } from './job'
import { readCatalogState } from './read'
import { DEFAULT_RETRY, backoffMs, retryAfterMs } from '../lib/retry'
import { ImportRunner } from './runner'
import { FakeKv } from '../test-support/fakeKv'
import type { JobStore } from './store'
import { KvJobStore } from './store'
import type { Clock } from '../lib/clock'
import { realClock } from '../lib/clock'
import { Throttle, zeroCounters } from '../lib/throttle'

/** A department with a leaf category, a brand, a product field and an SKU field, two products, four SKUs. */
export function sampleBatch(products = 2): ImportBatch {
  return {
    categories: [
      { key: 'apparel', name: 'Apparel' },
      { key: 'shirts', name: 'Shirts', parent: { key: 'apparel' } },
    ],
    brands: [{ name: 'Acme' }],
    specificationGroups: [
      {
        category: { key: 'shirts' },
        name: 'Details',
        fields: [
          { name: 'Material', fieldTypeId: 1, values: [] },
          { name: 'Size', fieldTypeId: 5, isStockKeepingUnit: true, values: [{ name: 'S' }, { name: 'M' }] },
        ],
      },
    ],
    products: Array.from({ length: products }, (_, p) => ({
      refId: `P${p}`,
      name: `Shirt ${p}`,
      category: { key: 'shirts' },
      brand: 'Acme',
      specifications: [{ field: 'Material', text: 'Cotton', values: [] }],
      skus: ['S', 'M'].map((size) => ({
        refId: `P${p}-${size}`,
        name: `Shirt ${p} ${size}`,
        packagedHeight: 1,
        packagedLength: 2,
        packagedWidth: 3,
        packagedWeightKg: 100,
        specifications: [{ field: 'Size', values: [size] }],
        images: [{ name: 'front', url: `https://img.example.com/${p}-${size}.jpg`, isMain: true }],
        kitComponents: [],
      })),
    })),
  } as unknown as ImportBatch
}

function plan(batch: ImportBatch, activateSkus = true): PlanStep[] {
  const answer = planCatalogImport(emptyState(), batch, { activateSkus })
  if (!answer.plan) throw new Error(JSON.stringify(answer.errors))
  return answer.plan.steps
}

/** A clock whose sleeps complete at once but are recorded. */
function instantClock(): Clock & { sleeps: number[] } {
  const sleeps: number[] = []
  let now = 1_000_000
  return {
    sleeps,
    now: () => now,
    sleep: async (ms) => {
      sleeps.push(ms)
      now += ms
    },
    random: () => 0.5,
  }
}

function executor(target: FakeImportTarget, steps: PlanStep[], opts: { clock?: Clock; results?: Map<number, StepResult>; resumed?: boolean; concurrency?: number } = {}) {
  const throttle = new Throttle(zeroCounters(), opts.clock ?? instantClock())
  const results = opts.results ?? new Map<number, StepResult>()
  const recorded: StepResult[] = []
  const exec = new PlanExecutor(target, steps, results, throttle, {
    concurrency: opts.concurrency ?? 4,
    retry: DEFAULT_RETRY,
    resumed: opts.resumed ?? false,
    lookup: 'WHEN_UNSURE',
    record: async (_s, r) => {
      recorded.push(r)
    },
  })
  return { exec, throttle, results, recorded }
}

describe('PlanExecutor', () => {
  it('replaces a checkbox value by deleting the field (VTEX takes the field id for those) and adding back what stays', async () => {
    const target = new FakeImportTarget()
    const product = 500
    const field = 77
    for (const [id, value] of [[1, 701], [2, 702]]) {
      target.productSpecs.set(id, { Id: id, ProductId: product, FieldId: field, FieldValueId: value, Text: null })
    }
    target.productSpecs.set(3, { Id: 3, ProductId: product, FieldId: 78, FieldValueId: null, Text: 'kept' })
    const step: PlanStep = {
      index: 0,
      phase: 'PRODUCT_SPECIFICATIONS',
      action: 'UPDATE',
      key: 'product-spec:P-1:77',
      path: 'products[0].specifications[0]',
      operation: {
        type: 'setProductSpecification',
        product: { kind: 'existing', id: product },
        field: { kind: 'existing', id: field },
        text: null,
        values: [{ kind: 'existing', id: 701 }, { kind: 'existing', id: 703 }],
      },
      dependsOn: [],
    }
    const deletes: unknown[] = []
    target.before = (method, args) => {
      if (method === 'deleteProductSpecification') deletes.push(args[0])
    }
    const { exec, results } = executor(target, [step])
    await exec.run()
    expect(results.get(0)?.status).toBe('DONE')
    // One delete, by the field's id; the row ids of a checkbox would answer 404.
    expect(deletes).toEqual([field])
    const rows = [...target.productSpecs.values()].filter((s) => s.ProductId === product)
    expect(rows.filter((s) => s.FieldId === field).map((s) => s.FieldValueId).sort()).toEqual([701, 703])
    expect(rows.find((s) => s.FieldId === 78)?.Text).toBe('kept')
    expect(target.writes.deleteProductSpecification).toBe(1)
  })

  it('resolves planned references to the ids earlier steps created', async () => {
    const target = new FakeImportTarget()
    const steps = plan(sampleBatch())
    const { exec, results } = executor(target, steps)
    await exec.run()
    expect([...results.values()].every((r) => r.status === 'DONE')).toBe(true)

    const [apparel, shirts] = [...target.categories.values()]
    expect(shirts.FatherCategoryId).toBe(apparel.Id)
    const brand = [...target.brandsById.values()][0]
    const group = [...target.groups.values()][0]
    expect(group.CategoryId).toBe(shirts.Id)
    for (const f of target.fields.values()) expect(f.FieldGroupId).toBe(group.Id)
    const size = [...target.fields.values()].find((f) => f.Name === 'Size')
    for (const p of target.products.values()) expect([p.CategoryId, p.BrandId]).toEqual([shirts.Id, brand.Id])
    for (const s of target.skus.values()) {
      expect(target.products.get(s.ProductId)?.RefId).toBe(String(s.RefId).split('-')[0])
      const spec = [...target.skuSpecs.values()].find((x) => x.SkuId === s.Id)
      expect(spec?.FieldId).toBe(size?.FieldId)
      expect(target.values.get(spec?.FieldValueId as number)?.Value).toBe(String(s.RefId).split('-')[1])
      expect(s.IsActive).toBe(true)
    }
    expect(target.links).toHaveLength(2)
    // The created ids are the results' ids.
    const productStep = steps.find((s) => s.operation.type === 'createProduct') as PlanStep
    expect(target.products.has(results.get(productStep.index)?.id as number)).toBe(true)
  })

  it('runs a subcategory only after its father, even with room for both', async () => {
    const target = new FakeImportTarget()
    const order: string[] = []
    target.before = async (method, args) => {
      if (method === 'createCategory') order.push(String((args[0] as { Name: string }).Name))
      await new Promise((done) => setTimeout(done, 5))
    }
    const { exec } = executor(target, plan(sampleBatch(1)), { concurrency: 8 })
    await exec.run()
    expect(order).toEqual(['Apparel', 'Shirts'])
  })

  it('looks entities up by key before creating them when resumed: nothing is created twice', async () => {
    const target = new FakeImportTarget()
    const steps = plan(sampleBatch())
    // A first run created everything, but crashed before recording a single result.
    await executor(target, steps).exec.run()
    const before = { ...target.writes }
    const { exec, results, throttle } = executor(target, steps, { resumed: true })
    await exec.run()
    expect([...results.values()].every((r) => r.status === 'DONE')).toBe(true)
    for (const method of ['createCategory', 'createBrand', 'createGroup', 'createField', 'createValue', 'createProduct', 'createSku', 'addSkuFile', 'addProductSpecification', 'addSkuSpecification', 'linkTradePolicy']) {
      expect([method, target.writes[method]]).toEqual([method, before[method]])
    }
    expect(target.products.size).toBe(2)
    expect(target.skus.size).toBe(4)
    const creates = steps.filter((s) => s.action === 'CREATE' && /^create/.test(s.operation.type)).length
    expect(throttle.counters.reused).toBeGreaterThanOrEqual(creates)
  })

  it('honours Retry-After on 429: the refused step waits it out in its slot (fake timers)', async () => {
    jest.useFakeTimers({ now: 0 })
    try {
      const target = new FakeImportTarget()
      target.now = () => Date.now()
      target.faults = [{ method: 'createProduct', status: 429, retryAfter: '3' }]
      const steps = plan(sampleBatch())
      const { exec, throttle, results } = executor(target, steps, { clock: realClock, concurrency: 4 })
      const done = exec.run()
      await jest.advanceTimersByTimeAsync(2900)
      // The refused create is not tried again before Retry-After has passed; the other product
      // went on, and the phases after PRODUCTS wait for the whole phase.
      const creates = target.log.filter((c) => c.method === 'createProduct' || c.method === 'productByRefId')
      expect(creates.filter((c) => c.at > 0)).toEqual([])
      expect(target.products.size).toBe(1)
      expect(target.log.some((c) => c.method === 'createSku')).toBe(false)
      await jest.advanceTimersByTimeAsync(200)
      await done
      expect(target.products.size).toBe(2)
      // Retried carefully at Retry-After: lookup by RefId, then the create.
      expect(target.log.filter((c) => c.at >= 3000 && c.at < 3001).map((c) => c.method).slice(0, 2)).toEqual(['productByRefId', 'createProduct'])
      expect(throttle.counters.rateLimited).toBe(1)
      expect(throttle.counters.rateLimitWaitMs).toBe(3000)
      expect([...results.values()].every((r) => r.status === 'DONE')).toBe(true)
    } finally {
      jest.useRealTimers()
    }
  })

  it('retries 5xx with exponential backoff and jitter, then gives up and skips what depends on the step', async () => {
    const clock = instantClock()
    const target = new FakeImportTarget()
    target.faults = [
      { method: 'createBrand', status: 503 },
      { method: 'createBrand', status: 503 },
    ]
    const steps = plan(sampleBatch(1))
    const { exec, results, throttle } = executor(target, steps, { clock })
    await exec.run()
    expect(clock.sleeps).toEqual([backoffMs(1, DEFAULT_RETRY, () => 0.5), backoffMs(2, DEFAULT_RETRY, () => 0.5)])
    expect(clock.sleeps[1]).toBe(2 * clock.sleeps[0])
    expect(throttle.counters.serverErrors).toBe(2)
    expect(target.brandsById.size).toBe(1)
    const brandStep = steps.find((s) => s.operation.type === 'createBrand') as PlanStep
    expect(results.get(brandStep.index)).toMatchObject({ status: 'DONE', attempts: 3 })

    // Always failing: bounded attempts, then the dependents are skipped.
    const failing = new FakeImportTarget()
    failing.faults = Array.from({ length: 50 }, () => ({ method: 'createBrand', status: 502 }))
    const second = executor(failing, steps, { clock: instantClock() })
    await second.exec.run()
    expect(second.results.get(brandStep.index)).toMatchObject({ status: 'FAILED', attempts: DEFAULT_RETRY.maxAttempts, error: { code: 'RETRIES_EXHAUSTED' } })
    const product = steps.find((s) => s.operation.type === 'createProduct') as PlanStep
    expect(second.results.get(product.index)).toMatchObject({ status: 'SKIPPED', error: { code: 'DEPENDENCY_FAILED' } })
    expect(failing.products.size).toBe(0)
    expect(failing.categories.size).toBe(2)
  })

  it('fails a step VTEX refuses (4xx) without retrying it', async () => {
    const target = new FakeImportTarget()
    target.faults = [{ method: 'createBrand', status: 400 }]
    const steps = plan(sampleBatch(1))
    const { exec, results } = executor(target, steps)
    await exec.run()
    const brandStep = steps.find((s) => s.operation.type === 'createBrand') as PlanStep
    expect(results.get(brandStep.index)).toMatchObject({ status: 'FAILED', attempts: 1, error: { code: 'VTEX_REFUSED' } })
  })
})

describe('retry policy', () => {
  it('reads Retry-After as seconds or an HTTP date, bounded', () => {
    expect(retryAfterMs('2', DEFAULT_RETRY)).toBe(2000)
    expect(retryAfterMs(undefined, DEFAULT_RETRY)).toBe(DEFAULT_RETRY.defaultRetryAfterMs)
    expect(retryAfterMs(new Date(10_000).toUTCString(), DEFAULT_RETRY, 4000)).toBe(6000)
    expect(retryAfterMs('99999', DEFAULT_RETRY)).toBe(DEFAULT_RETRY.maxRetryAfterMs)
  })

  it('backs off exponentially with jitter between half and all of the ceiling', () => {
    expect(backoffMs(1, DEFAULT_RETRY, () => 0)).toBe(100)
    expect(backoffMs(3, DEFAULT_RETRY, () => 0.999)).toBeLessThanOrEqual(800)
    expect(backoffMs(30, DEFAULT_RETRY, () => 0.999)).toBeLessThanOrEqual(DEFAULT_RETRY.maxDelayMs)
  })
})

describe('ImportRunner', () => {
  const deps = (target: FakeImportTarget, store: JobStore) => ({ target, store, account: 'ponteunit', workspace: 'master' })
  const options: JobOptions = parseOptions({ activateSkus: true, concurrency: 4 })

  async function until(check: () => boolean | Promise<boolean>, ms = 5000) {
    const end = Date.now() + ms
    while (!(await check())) {
      if (Date.now() > end) throw new Error('timed out')
      await new Promise((done) => setTimeout(done, 5))
    }
  }

  it('runs a job to SUCCEEDED and records every step in the store', async () => {
    const target = new FakeImportTarget()
    const store = new KvJobStore(new FakeKv())
    const runner = new ImportRunner({ heartbeatMs: 20 })
    const job = await runner.submit(deps(target, store), sampleBatch(), options)
    expect(job.status).toBe('QUEUED')
    await runner.settled(job.id)
    const stored = await runner.get(deps(target, store), job.id)
    expect(stored).toMatchObject({ status: 'SUCCEEDED', stage: 'DONE', lease: null, runs: 1, errorCount: 0 })
    expect(stored?.phases.every((p) => p.done === p.total)).toBe(true)
    const entities = await runner.entities(deps(target, store), stored!, { first: 1000, offset: 0 })
    expect(entities).toHaveLength(stored!.steps)
    expect(entities.filter((e) => e.phase === 'SKUS').every((e) => e.vtexId !== null && target.skus.has(e.vtexId))).toBe(true)
  })

  it('ends FAILED with every batch error and its path when the batch is invalid', async () => {
    const batch = sampleBatch(1)
    ;(batch.products[0].skus[0] as { packagedWeightKg?: number }).packagedWeightKg = 0
    batch.products[0].brand = 'Nobody'
    const runner = new ImportRunner()
    const store = new KvJobStore(new FakeKv())
    const target = new FakeImportTarget()
    const job = await runner.submit(deps(target, store), batch, options)
    await runner.settled(job.id)
    const stored = await runner.get(deps(target, store), job.id)
    expect(stored?.status).toBe('FAILED')
    expect(stored?.errors.map((e) => [e.path, e.code])).toEqual(
      expect.arrayContaining([
        ['products[0].brand', 'BRAND_NOT_FOUND'],
        [expect.stringMatching(/^products\[0\]\.skus\[0\]/), 'SKU_DIMENSIONS_INVALID'],
      ])
    )
    expect(Object.keys(target.writes)).toEqual([])
  })

  it('resumes a job from its VBase record mid-plan on another replica, creating nothing twice', async () => {
    const target = new FakeImportTarget()
    const store = new KvJobStore(new FakeKv())
    const first = new ImportRunner({ heartbeatMs: 20, leaseMs: 200, owner: 'replica-1' })
    // Replica 1 dies while creating the third SKU: VTEX created it, replica 1 never recorded it.
    let skus = 0
    target.after = (method) => {
      if (method === 'createSku' && ++skus === 3) {
        first.abandonAll()
        return new Promise<void>(() => undefined)
      }
    }
    const batch = sampleBatch(3)
    const job = await first.submit(deps(target, store), batch, options)
    await until(() => skus >= 3)
    await new Promise((done) => setTimeout(done, 30))
    target.after = undefined
    const recorded = (await store.getJob(job.id))?.job
    expect(recorded?.status).toBe('RUNNING')
    expect(recorded?.phases.find((p) => p.phase === 'SKUS')?.done).toBeLessThan(6)

    // Replica 2: polling before the lease expired only reads; after, it takes over.
    const second = new ImportRunner({ heartbeatMs: 20, leaseMs: 200, owner: 'replica-2' })
    expect((await second.get(deps(target, store), job.id))?.lease?.owner).toBe('replica-1')
    await new Promise((done) => setTimeout(done, 250))
    const resumed = await second.get(deps(target, store), job.id)
    expect(resumed).toMatchObject({ runs: 2, lease: { owner: 'replica-2' } })
    await second.settled(job.id)
    const done = await second.get(deps(target, store), job.id)
    expect(done).toMatchObject({ status: 'SUCCEEDED', runs: 2 })
    expect(target.products.size).toBe(3)
    expect(target.skus.size).toBe(6)
    expect(target.writes.createSku).toBe(6)
    expect(target.writes.createProduct).toBe(3)
    expect(target.writes.createCategory).toBe(2)
    expect(target.writes.addSkuFile).toBe(6)
    expect(target.writes.addSkuSpecification).toBe(6)
    expect([...target.skus.values()].every((s) => s.IsActive)).toBe(true)
    expect(done?.counters.reused).toBeGreaterThanOrEqual(1)
  })

  it('a runner that lost its lease writes no step result after that, not even the one in flight', async () => {
    const target = new FakeImportTarget()
    const kv = new FakeKv()
    const store = new KvJobStore(kv)
    // A long heartbeat: only the check before each write can notice the loss in time.
    const first = new ImportRunner({ heartbeatMs: 1000, leaseMs: 60000, owner: 'replica-1' })
    const writes: string[] = []
    const put = kv.put.bind(kv)
    let lostAt = -1
    kv.put = (path, data, ifMatch) => {
      if (/\/(results|plan)\//.test(path)) writes.push(path)
      return put(path, data, ifMatch)
    }
    let skus = 0
    let taken: Promise<void> | null = null
    target.after = (method) => {
      if (method === 'createSku' && ++skus === 3) {
        // While replica 1 creates its third SKU, replica 2 takes the lease over.
        taken = (async () => {
          const stored = await store.getJob(jobId)
          if (!stored) throw new Error('no job')
          await store.putJob({ ...stored.job, lease: { owner: 'replica-2', expiresAt: new Date(Date.now() + 60000).toISOString() }, runs: 2 }, stored.etag)
          lostAt = writes.length
        })()
        return taken
      }
    }
    const job = await first.submit(deps(target, store), sampleBatch(3), options)
    const jobId = job.id
    await first.settled(job.id)
    expect(taken).not.toBeNull()
    expect(lostAt).toBeGreaterThan(0)
    // Results were written before the takeover, none after it.
    expect(writes.slice(0, lostAt).some((p) => p.includes('/results/'))).toBe(true)
    expect(writes.slice(lostAt)).toEqual([])
    // The record is replica 2's, untouched by replica 1 since.
    expect((await store.getJob(job.id))?.job).toMatchObject({ lease: { owner: 'replica-2' }, runs: 2, status: 'RUNNING' })
  })

  it('reads the current catalog so that a second import of the same batch plans nothing', async () => {
    const target = new FakeImportTarget()
    await executor(target, plan(sampleBatch())).exec.run()
    const state = await readCatalogState(target, new Throttle(zeroCounters()), sampleBatch(), { concurrency: 4, retry: DEFAULT_RETRY })
    const again = planCatalogImport(state, sampleBatch(), { activateSkus: true })
    expect(again.errors).toEqual([])
    expect(again.plan?.steps).toEqual([])
    expect(again.plan?.activation.every((a) => a.alreadyActive)).toBe(true)
  })

  it('reads the category an existing product sits in when the tree hides it (inactive), as the core asks', async () => {
    const target = new FakeImportTarget()
    await executor(target, plan(sampleBatch())).exec.run()
    const shirts = [...target.categories.values()].find((c) => c.Name === 'Shirts') as { Id: number; IsActive: boolean }
    shirts.IsActive = false
    const state = await readCatalogState(target, new Throttle(zeroCounters()), sampleBatch(), { concurrency: 4, retry: DEFAULT_RETRY })
    expect(target.log.filter((l) => l.method === 'category')).toHaveLength(1)
    expect(state.categories.find((c) => c.id === shirts.Id)?.isActive).toBe(false)
    // Its groups, fields and values were read too: the re-plan creates nothing (not the
    // category, not its specifications).
    const again = planCatalogImport(state, sampleBatch(), { activateSkus: true })
    expect(again.errors).toEqual([])
    expect(again.plan?.steps).toEqual([])
  })
})
