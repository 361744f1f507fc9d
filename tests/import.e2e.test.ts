/**
 * Catalog import end to end: ponte-sim (Catalog API, VBase, fault injection, its ERP's sample
 * batch) and the service under the real @vtex/api runtime with the simulator as its HTTP proxy.
 * An admin token from the simulator's VTEX ID; the batch from the simulator's ERP; the result
 * checked against the simulator's own export of the catalog and its write statistics.
 *
 * Sizes: PONTE_E2E_PRODUCTS / PONTE_E2E_SKUS (default 60 / 240); PONTE_E2E_FULL=1 adds the full
 * 500 / 2,000 sample without faults.
 */
import { mkdtempSync, mkdirSync } from 'fs'
import { tmpdir } from 'os'
import { join } from 'path'

import { graphql, simJson } from './support/http'
import type { Running, Sim } from './support/processes'
import { portInUse, startService, startSim, tearDown } from './support/processes'
import { simLogin } from './support/vtexid'

const WORKSPACE = 'master'
const PRODUCTS = Number(process.env.PONTE_E2E_PRODUCTS ?? 60)
const SKUS = Number(process.env.PONTE_E2E_SKUS ?? 240)

const work = mkdtempSync(join(tmpdir(), 'ponte-import-e2e-'))
const dataDir = join(work, 'sim-data')
mkdirSync(dataDir)

let sim: Sim
let service: Running

const launch = () => startService({ simUrl: sim.url, account: 'ponte-import', workspace: WORKSPACE, appDir: join(work, 'app') })

beforeAll(async () => {
  sim = await startSim(dataDir)
  service = await launch()
}, 120000)

afterAll(async () => {
  await tearDown(work, [service], sim)
})

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms))

const simCall = <T>(method: string, path: string, body?: unknown) => simJson<T>(sim.url, method, path, body)

const sampleBatch = (products: number, skus: number) =>
  simCall<Batch>('GET', `/_sim/erp/catalog-batch?seed=1&departments=3&categories=40&products=${products}&skus=${skus}`)

const faults = (on: boolean) =>
  simCall('PUT', '/_sim/faults', on ? { rate429: 0.1, rate5xx: 0.05, retryAfterSeconds: 1, seed: 42 } : { rate429: 0, rate5xx: 0 })

interface Stats {
  faults: { '429': number; '5xx': number; total: number }
  writes: Record<string, number>
}

const tokens = new Map<string, string>()
async function ask(account: string, query: string, variables?: Record<string, unknown>) {
  let token = tokens.get(account)
  if (!token) {
    token = (await simLogin(sim.url, account, { email: 'importer@example.com', audience: 'admin' })).token
    tokens.set(account, token)
  }
  return graphql(account, WORKSPACE, { query, variables }, { 'x-vtex-credential': 'e2e-app-token', authorization: `Bearer ${token}` })
}

const JOB = `id status stage runs errorCount errors { path code message key }
  summary { creates updates activations unchanged }
  progress { steps done failed skipped pending calls attempts retries rateLimited serverErrors transportErrors reused readMs planMs executeMs stepsPerSecond }`

async function startImport(account: string, batch: Batch, options: Record<string, unknown> = { activateSkus: true }) {
  const reply = await ask(
    account,
    `mutation($batch: JSON!, $options: ImportOptionsInput) { importCatalogBatch(batch: $batch, options: $options) { ${JOB} } }`,
    { batch, options }
  )
  expect(reply.errors).toBeUndefined()
  return reply.data?.importCatalogBatch as Job
}

async function job(account: string, id: string): Promise<Job> {
  const reply = await ask(account, `query($id: ID!) { importJob(id: $id) { ${JOB} } }`, { id })
  if (reply.errors) throw new Error(JSON.stringify(reply.errors))
  return reply.data?.importJob as Job
}

async function poll(account: string, id: string, until: (j: Job) => boolean, timeoutMs: number, onPoll?: (j: Job) => void): Promise<Job> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const j = await job(account, id).catch(() => null)
    if (j) onPoll?.(j)
    if (j && until(j)) return j
    if (Date.now() > deadline) throw new Error(`job ${id} not there after ${timeoutMs} ms: ${JSON.stringify(j)}`)
    await sleep(250)
  }
}

const finished = (j: Job) => j.status === 'SUCCEEDED' || j.status === 'FAILED'

/**
 * Imports `batch` into `account` (activating SKUs, 16 writes at once) with the sim's stats
 * cleared first, reported as `label`: it SUCCEEDED, the account's catalog equals the batch, and
 * every entity was written once.
 */
async function importWithoutFaults(account: string, batch: Batch, label: string, timeoutMs: number): Promise<void> {
  await simCall('DELETE', '/_sim/stats')
  const t0 = Date.now()
  const started = await startImport(account, batch, { activateSkus: true, concurrency: 16 })
  const done = await poll(account, started.id, finished, timeoutMs)
  report(label, done, Date.now() - t0)
  expect(done.status).toBe('SUCCEEDED')
  const exported = await simCall<Exported>('GET', `/_sim/accounts/${account}/catalog`)
  expectCatalogEqualsBatch(exported, batch)
  expectOneWritePerEntity(await simCall<Stats>('GET', '/_sim/stats'), exported)
}

function report(label: string, j: Job, wallMs: number) {
  const p = j.progress
  console.log(
    `${label}: ${j.status} in ${(wallMs / 1000).toFixed(1)} s wall (read ${p.readMs} ms, plan ${p.planMs} ms, execute ${p.executeMs} ms); ` +
      `${p.done} steps, ${p.stepsPerSecond} steps/s executing, ${((p.done * 1000) / wallMs).toFixed(1)} steps/s wall; ` +
      `calls ${p.calls}, retries ${p.retries}, 429 ${p.rateLimited}, 5xx ${p.serverErrors}, reused ${p.reused}, runs ${j.runs}`
  )
}

describe('validateCatalogBatch (dry run)', () => {
  it('answers what the import would do, or every error with its path and code; writes nothing', async () => {
    const account = 'ponte-imp-dry'
    const batch = await sampleBatch(5, 20)
    const ok = await ask(account, 'query($b: JSON!) { validateCatalogBatch(batch: $b, options: { activateSkus: true }) { valid errors { path code } summary { creates activations } } }', { b: batch })
    expect(ok.errors).toBeUndefined()
    expect(ok.data?.validateCatalogBatch.valid).toBe(true)
    expect(ok.data?.validateCatalogBatch.summary.creates).toBeGreaterThan(20)

    const broken = JSON.parse(JSON.stringify(batch)) as Batch
    broken.products[1].brand = 'No such brand'
    broken.products[2].skus[0].packagedWeightKg = 0
    broken.products[3].skus[0].images[0].url = 'ftp://nope'
    const bad = await ask(account, 'query($b: JSON!) { validateCatalogBatch(batch: $b) { valid errors { path code } summary { creates } } }', { b: broken })
    expect(bad.data?.validateCatalogBatch).toMatchObject({ valid: false, summary: null })
    const errors = bad.data?.validateCatalogBatch.errors.map((e: { path: string; code: string }) => `${e.path} ${e.code}`)
    expect(errors).toEqual(
      expect.arrayContaining(['products[1].brand BRAND_NOT_FOUND', expect.stringMatching(/^products\[2\]\.skus\[0\]\S* SKU_DIMENSIONS_INVALID$/), expect.stringMatching(/^products\[3\]\.skus\[0\]\.images\[0\]\S* IMAGE_URL_INVALID$/)])
    )
    const exported = await simCall<Exported>('GET', `/_sim/accounts/${account}/catalog`)
    expect(exported.products).toEqual([])

    const anonymous = await graphql(account, WORKSPACE, { query: 'query($b: JSON!) { validateCatalogBatch(batch: $b) { valid } }', variables: { b: batch } }, { 'x-vtex-credential': 'e2e-app-token' })
    expect(anonymous.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED')
  })
})

describe('importCatalogBatch', () => {
  it(`imports the sample (${PRODUCTS} products, ${SKUS} SKUs) without faults; importing it again writes nothing`, async () => {
    const account = 'ponte-imp-clean'
    const batch = await sampleBatch(PRODUCTS, SKUS)
    await importWithoutFaults(account, batch, 'no faults', 60000)

    await simCall('DELETE', '/_sim/stats')
    const again = await startImport(account, batch, { activateSkus: true })
    const second = await poll(account, again.id, finished, 30000)
    expect(second).toMatchObject({ status: 'SUCCEEDED', summary: { creates: 0, updates: 0, activations: 0 }, progress: { steps: 0 } })
    expect(second.summary?.unchanged).toBeGreaterThan(SKUS)
    expect((await simCall<Stats>('GET', '/_sim/stats')).writes).toEqual({})
  }, 90000)

  it(`imports the sample (${PRODUCTS} products, ${SKUS} SKUs) with ~10% 429 and ~5% 503: the catalog equals the batch, nothing twice`, async () => {
    const account = 'ponte-imp-faults'
    const batch = await sampleBatch(PRODUCTS, SKUS)
    await simCall('DELETE', '/_sim/stats')
    await faults(true)
    const t0 = Date.now()
    let done: Job
    try {
      const started = await startImport(account, batch, { activateSkus: true, concurrency: 16 })
      expect(started.status).toBe('QUEUED')
      done = await poll(account, started.id, finished, 110000)
    } finally {
      await faults(false)
    }
    report('faults on', done, Date.now() - t0)
    expect(done.errors).toEqual([])
    expect(done.status).toBe('SUCCEEDED')
    expect(done.progress.rateLimited).toBeGreaterThan(0)
    expect(done.progress.serverErrors).toBeGreaterThan(0)
    const stats = await simCall<Stats>('GET', '/_sim/stats')
    expect(stats.faults['429']).toBeGreaterThan(0)
    expect(stats.faults['5xx']).toBeGreaterThan(0)
    const exported = await simCall<Exported>('GET', `/_sim/accounts/${account}/catalog`)
    expectCatalogEqualsBatch(exported, batch)
    expectOneWritePerEntity(stats, exported)
  }, 120000)

  it('survives SIGKILL mid-import: restarted, the service takes the job over and finishes it, nothing twice', async () => {
    const account = 'ponte-imp-crash'
    const batch = await sampleBatch(PRODUCTS, SKUS)
    await simCall('DELETE', '/_sim/stats')
    const t0 = Date.now()
    const started = await startImport(account, batch)
    // Kill it in the middle of the SKUs.
    const before = await poll(account, started.id, (j) => j.stage === 'EXECUTING' && j.progress.done > j.progress.steps * 0.3, 60000)
    process.kill(-(service.child.pid as number), 'SIGKILL')
    await new Promise<void>((done) => (service.child.exitCode !== null || service.child.signalCode !== null ? done() : service.child.once('exit', () => done())))
    while ((await portInUse(5050)) || (await portInUse(5000))) await sleep(100)
    const killedAt = before.progress.done
    service = await launch()

    const runs: number[] = []
    const done = await poll(account, started.id, finished, 90000, (j) => runs.push(j.runs))
    report('killed and resumed', done, Date.now() - t0)
    expect(done.status).toBe('SUCCEEDED')
    expect(done.runs).toBe(2)
    expect(runs[0]).toBe(1) // the first polls after the restart saw the dead runner's lease
    expect(killedAt).toBeLessThan(done.progress.steps)
    const stats = await simCall<Stats>('GET', '/_sim/stats')
    const exported = await simCall<Exported>('GET', `/_sim/accounts/${account}/catalog`)
    expectCatalogEqualsBatch(exported, batch)
    // At most `concurrency` (8) writes were in flight when the process died.
    expectOneWritePerEntity(stats, exported, 8)
  }, 120000)

  if (process.env.PONTE_E2E_FULL) {
    it('imports the full sample (500 products, 2,000 SKUs) without faults', async () => {
      await importWithoutFaults('ponte-imp-full', await sampleBatch(500, 2000), 'full sample, no faults', 170000)
    }, 180000)
  }
})

// ---- the batch and the export -------------------------------------------------------------

interface Ref {
  key?: string
  path?: string[]
}
interface Batch {
  categories: Array<{ key?: string; name: string; parent?: Ref; isActive?: boolean }>
  brands: Array<{ name: string; isActive?: boolean }>
  specificationGroups: Array<{ category?: Ref; name: string; fields: Array<{ name: string; fieldTypeId: number; isStockKeepingUnit?: boolean; values: Array<{ name: string }> }> }>
  products: Array<{
    refId: string
    name: string
    category?: Ref
    brand?: string
    isActive?: boolean
    tradePolicies?: number[]
    specifications: Array<{ field: string; text?: string; values: string[] }>
    skus: Array<{
      refId?: string
      ean?: string
      name: string
      packagedWeightKg?: number
      specifications: Array<{ field: string; values: string[] }>
      images: Array<{ name: string; url: string }>
    }>
  }>
}
interface Exported {
  categories: Array<{ id: number; name: string; fatherCategoryId?: number | null; isActive?: boolean }>
  groups: Array<{ id: number; categoryId?: number | null; name: string }>
  fields: Array<{ id: number; name: string; fieldGroupId: number; isStockKeepingUnit: boolean; isActive: boolean; fieldTypeId: number }>
  values: Array<{ id: number; fieldId: number; name: string }>
  brands: Array<{ id: number; name: string; isActive?: boolean }>
  products: Array<{ id: number; name: string; categoryId: number; brandId: number; refId?: string | null; isActive?: boolean }>
  skus: Array<{ id: number; productId: number; name: string; refId?: string | null; ean?: string | null; isActive?: boolean; packagedWeightKg: number; isKit?: boolean }>
  productSpecifications: Array<{ productId: number; fieldId: number; fieldValueId?: number | null; text?: string | null }>
  skuSpecifications: Array<{ skuId: number; fieldId: number; fieldValueId: number }>
  skuImages: Array<{ skuId: number; name: string }>
  productTradePolicies: Array<{ productId: number; tradePolicyId: number }>
}

const fold = (s: string) => s.trim().toLowerCase()

function one<T>(items: T[], what: string): T {
  if (items.length !== 1) throw new Error(`${what}: expected exactly one, found ${items.length}`)
  return items[0]
}

/** Every batch entity exactly once in the export, as the batch says; nothing else; SKUs active exactly where §C.6 holds. */
function expectCatalogEqualsBatch(c: Exported, batch: Batch) {
  const cat = new Map(c.categories.map((x) => [x.id, x]))
  const pathOf = (id: number): string => {
    const names: string[] = []
    for (let cur: number | null | undefined = id; cur != null; cur = cat.get(cur)?.fatherCategoryId) names.unshift(fold(cat.get(cur)?.name ?? '?'))
    return names.join('/')
  }
  const byKey = new Map(batch.categories.filter((x) => x.key).map((x) => [x.key as string, x]))
  const refPath = (r: Ref | undefined): string => {
    if (!r) return ''
    if (r.path) return r.path.map(fold).join('/')
    const b = byKey.get(r.key as string)
    if (!b) throw new Error(`unknown key ${r.key}`)
    return [refPath(b.parent), fold(b.name)].filter((s) => s !== '').join('/')
  }

  // Categories, brands.
  expect(c.categories).toHaveLength(batch.categories.length)
  for (const b of batch.categories) one(c.categories.filter((x) => pathOf(x.id) === [refPath(b.parent), fold(b.name)].filter((s) => s).join('/')), `category ${b.name}`)
  expect(c.brands.map((b) => fold(b.name)).sort()).toEqual(batch.brands.map((b) => fold(b.name)).sort())

  // Groups, fields, values.
  const fieldsOf = new Map<number, Exported['fields']>()
  for (const f of c.fields) fieldsOf.set(f.fieldGroupId, [...(fieldsOf.get(f.fieldGroupId) ?? []), f])
  expect(c.groups).toHaveLength(batch.specificationGroups.length)
  expect(c.fields).toHaveLength(batch.specificationGroups.reduce((n, g) => n + g.fields.length, 0))
  expect(c.values).toHaveLength(batch.specificationGroups.reduce((n, g) => n + g.fields.reduce((m, f) => m + f.values.length, 0), 0))
  for (const g of batch.specificationGroups) {
    const scope = refPath(g.category)
    const group = one(c.groups.filter((x) => fold(x.name) === fold(g.name) && (x.categoryId == null ? '' : pathOf(x.categoryId)) === scope), `group ${g.name}`)
    for (const f of g.fields) {
      const field = one((fieldsOf.get(group.id) ?? []).filter((x) => fold(x.name) === fold(f.name)), `field ${f.name}`)
      expect(c.values.filter((v) => v.fieldId === field.id).map((v) => fold(v.name)).sort()).toEqual(f.values.map((v) => fold(v.name)).sort())
    }
  }

  // Products and SKUs.
  const brandName = new Map(c.brands.map((b) => [b.id, fold(b.name)]))
  const valueName = new Map(c.values.map((v) => [v.id, fold(v.name)]))
  const fieldName = new Map(c.fields.map((f) => [f.id, fold(f.name)]))
  expect(c.products).toHaveLength(batch.products.length)
  expect(c.skus).toHaveLength(batch.products.reduce((n, p) => n + p.skus.length, 0))
  for (const p of batch.products) {
    const product = one(c.products.filter((x) => x.refId === p.refId), `product ${p.refId}`)
    expect([product.name, pathOf(product.categoryId), brandName.get(product.brandId)]).toEqual([p.name, refPath(p.category), fold(p.brand as string)])
    expect(c.productTradePolicies.filter((l) => l.productId === product.id).map((l) => l.tradePolicyId).sort()).toEqual([...(p.tradePolicies ?? [1])].sort())
    const specs = c.productSpecifications.filter((s) => s.productId === product.id)
    expect(specs).toHaveLength(p.specifications.reduce((n, s) => n + (s.text !== undefined ? 1 : 0) + s.values.length, 0))
    for (const s of p.specifications) {
      const rows = specs.filter((x) => fieldName.get(x.fieldId) === fold(s.field))
      expect(rows.map((r) => (r.fieldValueId ? valueName.get(r.fieldValueId) : r.text)).sort()).toEqual([...(s.text !== undefined ? [s.text] : []), ...s.values.map(fold)].sort())
    }
    for (const s of p.skus) {
      const sku = one(c.skus.filter((x) => (s.refId ? x.refId === s.refId : x.ean === s.ean)), `SKU ${s.refId ?? s.ean}`)
      expect([sku.productId, sku.name, sku.ean ?? undefined]).toEqual([product.id, s.name, s.ean])
      const skuSpecs = c.skuSpecifications.filter((x) => x.skuId === sku.id)
      expect(skuSpecs.map((x) => `${fieldName.get(x.fieldId)}=${valueName.get(x.fieldValueId)}`).sort()).toEqual(
        s.specifications.map((x) => `${fold(x.field)}=${fold(x.values[0])}`).sort()
      )
      expect(c.skuImages.filter((i) => i.skuId === sku.id).map((i) => i.name).sort()).toEqual(s.images.map((i) => i.name).sort())
    }
  }

  // Activation: recomputed from the export (§C.6), independently of the planner.
  const active = (id: number) => cat.get(id)?.isActive !== false
  let activated = 0
  for (const sku of c.skus) {
    const product = c.products.find((p) => p.id === sku.productId)!
    const chain: Array<number | null> = [null]
    for (let cur: number | null | undefined = product.categoryId; cur != null; cur = cat.get(cur)?.fatherCategoryId) chain.push(cur)
    const groups = new Set(c.groups.filter((g) => chain.includes(g.categoryId ?? null)).map((g) => g.id))
    const skuFields = c.fields.filter((f) => f.isStockKeepingUnit && f.isActive && groups.has(f.fieldGroupId))
    const valued = new Set(c.skuSpecifications.filter((s) => s.skuId === sku.id).map((s) => s.fieldId))
    const categoryActive = chain.every((id) => id === null || active(id))
    const holds =
      Boolean(sku.refId || sku.ean) &&
      c.skuImages.some((i) => i.skuId === sku.id) &&
      skuFields.every((f) => valued.has(f.id)) &&
      !sku.isKit &&
      product.isActive !== false &&
      c.brands.find((b) => b.id === product.brandId)?.isActive !== false &&
      categoryActive
    expect([sku.refId, Boolean(sku.isActive)]).toEqual([sku.refId, holds])
    if (holds) activated += 1
  }
  expect(activated).toBeGreaterThan(0)
  expect(activated).toBeLessThan(c.skus.length) // the sample has SKUs that cannot be activated
}

/**
 * The simulator counted exactly one accepted create per entity. After a SIGKILL (`inFlight` > 0)
 * a write the dead process had in flight may have taken effect without being counted (its answer
 * never reached anyone): the resumed job then finds the entity by its key and writes nothing, so
 * each count may fall short by at most the writes in flight, and is never above.
 */
function expectOneWritePerEntity(stats: Stats, c: Exported, inFlight = 0) {
  const w = (k: string) => stats.writes[k] ?? 0
  const counted = {
    categories: w('POST /api/catalog/pvt/category'),
    brands: w('POST /api/catalog/pvt/brand'),
    groups: w('POST /api/catalog/pvt/specificationgroup'),
    fields: w('POST /api/catalog/pvt/specification'),
    values: w('POST /api/catalog/pvt/specificationvalue'),
    products: w('POST /api/catalog/pvt/product'),
    skus: w('POST /api/catalog/pvt/stockkeepingunit'),
    productSpecs: w('POST /api/catalog/pvt/product/{id}/specification'),
    skuSpecs: w('POST /api/catalog/pvt/stockkeepingunit/{id}/specification'),
    images: w('POST /api/catalog/pvt/stockkeepingunit/{id}/file'),
    tradePolicies: w('POST /api/catalog/pvt/product/{id}/salespolicy/{id}'),
    activations: w('PUT /api/catalog/pvt/stockkeepingunit/{id}'),
  }
  const entities = {
    categories: c.categories.length,
    brands: c.brands.length,
    groups: c.groups.length,
    fields: c.fields.length,
    values: c.values.length,
    products: c.products.length,
    skus: c.skus.length,
    productSpecs: c.productSpecifications.length,
    skuSpecs: c.skuSpecifications.length,
    images: c.skuImages.length,
    tradePolicies: c.productTradePolicies.length,
    activations: c.skus.filter((s) => s.isActive).length,
  }
  if (inFlight === 0) {
    expect(counted).toEqual(entities)
    return
  }
  const short = Object.fromEntries(Object.entries(entities).map(([k, n]) => [k, n - counted[k as keyof typeof counted]]))
  for (const [k, missing] of Object.entries(short)) expect([k, missing >= 0 && missing <= inFlight]).toEqual([k, true])
  expect(Object.values(short).reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(inFlight)
}

interface Job {
  id: string
  summary: { creates: number; updates: number; activations: number; unchanged: number } | null
  status: 'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED'
  stage: string
  runs: number
  errorCount: number
  errors: Array<{ path: string; code: string; message: string; key: string | null }>
  progress: {
    steps: number
    done: number
    failed: number
    skipped: number
    pending: number
    calls: number
    attempts: number
    retries: number
    rateLimited: number
    serverErrors: number
    transportErrors: number
    reused: number
    readMs: number
    planMs: number
    executeMs: number
    stepsPerSecond: number | null
  }
}
