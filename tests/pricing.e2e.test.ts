/**
 * Prices and stock end to end: ponte-sim (Catalog, Pricing v2, Logistics, VBase, faults, its
 * ERP's price list and stock counts for the sample catalog) and two replicas of the service
 * under the real @vtex/api runtime. The sample catalog's SKUs are imported through Ponte first
 * (without specifications and images: prices and stock need only the SKUs). Every result is
 * checked from the simulator's own stores.
 *
 * Size: PONTE_E2E_PRICE_SKUS (default 500, which keeps `make test` in its time budget);
 * PONTE_E2E_FULL=1 runs the whole sample catalog, 2,000 SKUs (about 4 minutes).
 */
import { join } from 'path'

import { routeFetch, simAppKey, simJson } from './support/http'
import type { Running, Sim } from './support/processes'
import { portInUse, sleep, startService, startSim, tearDown, workDir } from './support/processes'
import { viaProxy } from './support/vtexid'
import type { SyncJob } from './support/jobs'
import { finished, syncJobs } from './support/jobs'

const ACCOUNT = 'ponte-prices'
const WORKSPACE = 'master'
const SKUS = Number(process.env.PONTE_E2E_PRICE_SKUS ?? (process.env.PONTE_E2E_FULL ? 2000 : 500))
const PRODUCTS = Math.max(1, Math.ceil(SKUS / 4))
const REPLICAS = [
  { port: 5250, upPort: 5200 },
  { port: 5270, upPort: 5210 },
]

const { work, dataDir } = workDir('pricing')

let sim: Sim
const services: Running[] = []

const launch = (i: number) =>
  startService({ simUrl: sim.url, account: ACCOUNT, workspace: WORKSPACE, appDir: join(work, `app-${i}`), ...REPLICAS[i] })

const simCall = <T>(method: string, path: string, body?: unknown) => simJson<T>(sim.url, method, path, body)
const APP_KEY = { 'X-VTEX-API-AppKey': 'vtexappkey-ponte-prices-ERP', 'X-VTEX-API-AppToken': 'e2e-erp-token' }

/** A VTEX API call straight to the simulator (the merchant's or the test's set-up, not Ponte's). */
async function vtex<T>(method: string, url: string, body?: unknown): Promise<T> {
  const r = await viaProxy(sim.url, method, url, body, APP_KEY)
  if (r.status < 200 || r.status >= 300) throw new Error(`${method} ${url}: ${r.status} ${JSON.stringify(r.body)}`)
  return r.body as T
}
const pricingUrl = (path: string) => `http://api.vtex.com/${ACCOUNT}/pricing${path}`
const logisticsUrl = (path: string) => `http://${ACCOUNT}.vtexcommercestable.com.br/api/logistics/pvt${path}`

const { ask, poll, startSync } = syncJobs({
  simUrl: () => sim.url,
  account: ACCOUNT,
  workspace: WORKSPACE,
  ports: REPLICAS.map((r) => r.port),
  email: 'prices@example.com',
})

async function runSync(kind: 'syncPrices' | 'syncInventory', batch: unknown, options: Record<string, unknown> = {}): Promise<SyncJob> {
  const started = await startSync(kind, batch, options)
  return poll(started.id, finished, 240000)
}

interface PriceItem {
  refId?: string
  ean?: string
  basePrice?: number
  costPrice?: number
  markup?: number
  listPrice?: number
  fixedPrices: Array<{ tradePolicyId: string; value: number; listPrice?: number | null; minQuantity?: number; dateRange?: { from: string; to: string } }>
  removeFixedPrices?: unknown[]
}
interface StockCount {
  refId?: string
  ean?: string
  warehouse: string
  quantity: number
  unlimitedQuantity?: boolean
  leadTime?: string
  dateUtcOnBalanceSystem?: string
}
interface HeldPrice {
  itemId: number
  basePrice?: number | null
  listPrice?: number | null
  fixedPrices: Array<{ tradePolicyId: string; value: number; minQuantity: number }>
}
interface HeldEntry {
  skuId: number
  warehouseId: string
  entry: { quantity: number; unlimitedQuantity: boolean; dateUtcOnBalanceSystem: string }
}
interface ExportedSku {
  id: number
  refId?: string | null
}

const erp = <T>(what: string, extra = '') => simCall<T>('GET', `/_sim/erp/${what}?seed=1&skus=${SKUS}${extra}`)
let skuIds = new Map<string, number>()
const idOf = (refId: string) => {
  const id = skuIds.get(refId)
  if (id === undefined) throw new Error(`no SKU ${refId}`)
  return id
}
const refOf = (n: number) => `S1-${String(n).padStart(6, '0')}`

beforeAll(async () => {
  sim = await startSim(dataDir)
  services.push(await launch(0), await launch(1))

  // The catalog's SKUs, through Ponte's own import.
  const batch = await simCall<Record<string, any>>('GET', `/_sim/erp/catalog-batch?seed=1&departments=3&categories=40&products=${PRODUCTS}&skus=${SKUS}`)
  batch.specificationGroups = []
  for (const p of batch.products) {
    p.specifications = []
    for (const s of p.skus) {
      s.specifications = []
      s.images = []
    }
  }
  const imported = await ask('mutation($b: JSON!) { importCatalogBatch(batch: $b, options: { concurrency: 16 }) { id } }', { b: batch })
  if (imported.errors) throw new Error(JSON.stringify(imported.errors))
  const id = imported.data?.importCatalogBatch.id as string
  for (let i = 0; ; i++) {
    const j = await ask('query($id: ID!) { importJob(id: $id) { status errorCount errors { path code message } } }', { id })
    const status = j.data?.importJob?.status
    if (status === 'SUCCEEDED') break
    if (status === 'FAILED' || i > 1200) throw new Error(`the catalog import did not succeed: ${JSON.stringify(j.data ?? j.errors)}`)
    await sleep(250)
  }
  const exported = await simCall<{ skus: ExportedSku[] }>('GET', `/_sim/accounts/${ACCOUNT}/catalog`)
  skuIds = new Map(exported.skus.map((s) => [s.refId ?? '', s.id]))
  expect(skuIds.size).toBe(SKUS)

  // The store's set-up: the price tables and the warehouses the ERP names, a dock for trade policy 1.
  for (const table of ['b2b', 'outlet']) await vtex('PUT', pricingUrl(`/tables/${table}`))
  await vtex('POST', logisticsUrl('/configuration/docks'), { id: 'dock-1', name: 'Main dock', salesChannels: ['1'], freightTableIds: [], dockTimeFake: '00:00:00', timeFakeOverhead: '00:00:00' })
  for (const id of ['wh-sp', 'wh-rj']) {
    await vtex('POST', logisticsUrl('/configuration/warehouses'), { id, name: id, warehouseDocks: [{ dockId: 'dock-1', time: '1.00:00:00', cost: 0 }], isActive: true })
  }
}, 600000)

// A failed test must not leave its faults or limits to the next one.
afterEach(async () => {
  await simCall('PUT', '/_sim/faults', { rate429: 0, rate5xx: 0 })
  await simCall('PUT', '/_sim/pricing/settings', {})
})

afterAll(async () => {
  await tearDown(work, services, sim)
})

describe('syncPrices', () => {
  it('refuses a bad batch with every error at once and writes nothing', async () => {
    const before = await simCall<HeldPrice[]>('GET', `/_sim/pricing/prices?an=${ACCOUNT}`)
    const batch = {
      items: [
        { refId: refOf(1), basePrice: 10, fixedPrices: [{ tradePolicyId: 'no-such-table', value: 9 }] },
        { refId: refOf(2), basePrice: 10, costPrice: 8, markup: 25 },
        { refId: refOf(3), basePrice: 10, fixedPrices: [{ tradePolicyId: 'outlet', value: 5, dateRange: { from: '2026-12-02T00:00:00Z', to: '2026-12-01T00:00:00Z' } }] },
        { refId: 'NO-SUCH-SKU', basePrice: 10 },
      ],
    }
    const job = await runSync('syncPrices', batch)
    expect(job.status).toBe('FAILED')
    expect(job.writes).toBe(0)
    expect(job.errors.map((e) => `${e.path} ${e.code}`)).toEqual(
      expect.arrayContaining([
        'items[0].fixedPrices[0].tradePolicyId PRICE_TABLE_NOT_FOUND',
        'items[1] BASE_PRICE_OVERDETERMINED',
        'items[2].fixedPrices[0].dateRange DATE_RANGE_INVALID',
        'items[3] PRICING_SKU_NOT_FOUND',
      ])
    )
    expect(await simCall<HeldPrice[]>('GET', `/_sim/pricing/prices?an=${ACCOUNT}`)).toEqual(before)
    const malformed = await ask('mutation { syncPrices(batch: {nope: 1}) { id } }')
    expect(malformed.errors?.[0].extensions?.code).toBe('BATCH_MALFORMED')
  }, 120000)

  it(`syncs the ERP's ${SKUS} prices through 429s, 5xx and a SIGKILLed replica; a second sync writes nothing; a fixed price the ERP never sent survives`, async () => {
    const list = await erp<{ items: PriceItem[] }>('price-batch')
    // A fixed price set in VTEX by the merchant, on an SKU whose base price the ERP changes.
    const kept = idOf(refOf(3))
    await vtex('PATCH', pricingUrl(`/prices/${kept}/fixed`), [{ tradePolicyId: 'b2b', value: 1.5, minQuantity: 99 }]).catch(async () => {
      await vtex('PUT', pricingUrl(`/prices/${kept}`), { basePrice: 3, fixedPrices: [{ tradePolicyId: 'b2b', value: 1.5, minQuantity: 99 }] })
    })
    // VTEX's limits made tight (the job paces faster than they allow: real 429s), and faults.
    await simCall('PUT', '/_sim/pricing/settings', { rateLimits: { write: { perSecond: 60, burst: 50 } } })
    await simCall('PUT', '/_sim/faults', { rate429: 0.02, rate5xx: 0.03, retryAfterSeconds: 1, seed: 7, pricing: true })

    const t0 = Date.now()
    const started = await startSync('syncPrices', list, { perSecond: 80, burst: 100, concurrency: 8 })
    const mid = await poll(started.id, (j) => j.stage === 'WRITING' && j.done > j.writes * 0.25, 180000)
    // Replica 0 dies mid-sync; replica 1 takes the job over once its lease has expired.
    process.kill(-(services[0].child.pid as number), 'SIGKILL')
    await new Promise<void>((done) => (services[0].child.exitCode !== null || services[0].child.signalCode !== null ? done() : services[0].child.once('exit', () => done())))
    const done = await poll(started.id, finished, 240000, 1)
    const wallMs = Date.now() - t0
    while ((await portInUse(REPLICAS[0].port)) || (await portInUse(REPLICAS[0].upPort))) await sleep(100)
    services[0] = await launch(0)
    await simCall('PUT', '/_sim/faults', { rate429: 0, rate5xx: 0 })
    console.log(
      `price sync: ${done.status} in ${(wallMs / 1000).toFixed(1)} s, ${done.writes} writes (${JSON.stringify(done.summary)}), killed at ${mid.done}, runs ${done.runs}, counters ${JSON.stringify(done.counters)}`
    )
    expect(done).toMatchObject({ status: 'SUCCEEDED', errorCount: 0, failed: 0, runs: 2, items: SKUS })
    expect(done.done).toBe(done.writes)
    expect(done.counters.rateLimited).toBeGreaterThan(0)
    expect(done.counters.serverErrors).toBeGreaterThan(0)

    // Equal to the ERP's: planning the same list against what VTEX now holds changes nothing.
    const again = await runSync('syncPrices', list)
    expect(again).toMatchObject({ status: 'SUCCEEDED', writes: 0, unchanged: SKUS })
    // Spot checks from the simulator's store.
    const held = new Map((await simCall<HeldPrice[]>('GET', `/_sim/pricing/prices?an=${ACCOUNT}`)).map((p) => [p.itemId, p]))
    expect(held.size).toBe(SKUS)
    const s8 = held.get(idOf(refOf(8)))
    expect(s8?.fixedPrices.map((f) => f.tradePolicyId).sort()).toEqual(['1', 'outlet'])
    const s12 = held.get(idOf(refOf(12)))
    expect(s12?.fixedPrices).toEqual(expect.arrayContaining([expect.objectContaining({ tradePolicyId: 'b2b', minQuantity: 10 })]))
    expect(held.get(kept)?.fixedPrices).toEqual(expect.arrayContaining([expect.objectContaining({ tradePolicyId: 'b2b', value: 1.5, minQuantity: 99 })]))

    // The ERP removes one fixed price: only then is it deleted.
    const item8 = list.items.find((i) => i.refId === refOf(8))!
    const removal = await runSync('syncPrices', { items: [{ ...item8, fixedPrices: [], removeFixedPrices: [{ tradePolicyId: '1', minQuantity: 1 }] }] })
    expect(removal).toMatchObject({ status: 'SUCCEEDED', writes: 1 })
    const after8 = (await simCall<HeldPrice[]>('GET', `/_sim/pricing/prices?an=${ACCOUNT}`)).find((p) => p.itemId === idOf(refOf(8)))
    expect(after8?.fixedPrices.map((f) => f.tradePolicyId)).toEqual(['outlet'])
  }, 600000)

  it('answers the computed price with what decided it', async () => {
    const sku = idOf(refOf(4)) // a fixed price in trade policy 1 (every fourth SKU)
    const fixed = await ask('query($s: ID!) { computedPrice(sku: $s, priceTable: "1") { sku price decidedBy explanation } }', { s: String(sku) })
    expect(fixed.errors).toBeUndefined()
    expect(fixed.data?.computedPrice).toMatchObject({ sku: String(sku), decidedBy: 'fixedPrice' })
    const base = await ask('query($s: ID!) { computedPrice(sku: $s, priceTable: "1") { price decidedBy } }', { s: String(idOf(refOf(1))) })
    expect(base.data?.computedPrice.decidedBy).toBe('basePrice')
    const held = (await simCall<HeldPrice[]>('GET', `/_sim/pricing/prices?an=${ACCOUNT}`)).find((p) => p.itemId === idOf(refOf(1)))
    expect(base.data?.computedPrice.price).toBe(held?.basePrice)
    const bad = await ask('query { computedPrice(sku: "abc", priceTable: "1") { price } }')
    expect(bad.errors?.[0].extensions?.code).toBe('INVALID_ID')
  }, 60000)

  it("applies the price table's rules read from Pricing, and names the rule that decided", async () => {
    const sku = idOf(refOf(1)) // no fixed price in trade policy 1: its base price goes through the rules
    const context = await vtex<{ BrandId: string; ProductCategoryIds: string }>(
      'GET',
      `http://${ACCOUNT}.vtexcommercestable.com.br/api/catalog_system/pvt/sku/stockkeepingunitbyid/${sku}`
    )
    const department = context.ProductCategoryIds.split('/').filter((c) => c !== '')[0]
    const any = { categories: {}, brands: {}, markupRange: null, dateRange: null }
    // §D.3, §H.8: the first fitting rule by id. Rule 1 names another category, rule 2 the SKU's
    // brand and department, rule 5 anything.
    await vtex('PUT', pricingUrl('/pipeline/catalog/1'), {
      rules: [
        { id: 5, context: any, percentualModifier: 20 },
        { id: 1, context: { ...any, categories: { '999999': 'Elsewhere' } }, percentualModifier: 50 },
        { id: 2, context: { ...any, brands: { [String(context.BrandId)]: 'Brand' }, categories: { [department]: 'Department' } }, percentualModifier: -10 },
      ],
    })
    try {
      const reply = await ask('query($s: ID!) { computedPrice(sku: $s, priceTable: "1") { price decidedBy explanation } }', { s: String(sku) })
      expect(reply.errors).toBeUndefined()
      const held = (await simCall<HeldPrice[]>('GET', `/_sim/pricing/prices?an=${ACCOUNT}`)).find((p) => p.itemId === sku)
      const cents = Math.round((held?.basePrice ?? NaN) * 100)
      // base × (1 − 10 %), rounded half up to the cent (§D.4).
      expect(reply.data?.computedPrice).toMatchObject({ price: Math.floor((cents * 9 + 5) / 10) / 100, decidedBy: 'basePrice', explanation: { ruleId: 2 } })
      // VTEX's own computed price (the simulator, through the same core) agrees.
      const vtexSays = await vtex<{ sellingPrice: number }>('GET', pricingUrl(`/prices/${sku}/computed/1?categoryIds=${department}&brandId=${context.BrandId}`))
      expect(vtexSays.sellingPrice).toBe(reply.data?.computedPrice.price)
      // Another table's rules do not reach table 1; without rules the base price stands.
      await vtex('PUT', pricingUrl('/pipeline/catalog/1'), { rules: [] })
      const plain = await ask('query($s: ID!) { computedPrice(sku: $s, priceTable: "1") { price explanation } }', { s: String(sku) })
      expect(plain.data?.computedPrice).toMatchObject({ price: held?.basePrice, explanation: { ruleId: null } })
    } finally {
      await vtex('PUT', pricingUrl('/pipeline/catalog/1'), { rules: [] })
    }
  }, 60000)
})

describe('syncInventory', () => {
  it('refuses negative quantities and unknown warehouses at once, writing nothing', async () => {
    const job = await runSync('syncInventory', {
      counts: [
        { refId: refOf(1), warehouse: 'wh-sp', quantity: -1 },
        { refId: refOf(2), warehouse: 'wh-nowhere', quantity: 3 },
      ],
    })
    expect(job.status).toBe('FAILED')
    expect(job.errors.map((e) => `${e.path} ${e.code}`)).toEqual(expect.arrayContaining(['counts[0].quantity QUANTITY_NEGATIVE', 'counts[1].warehouse WAREHOUSE_NOT_FOUND']))
    expect(await simCall<HeldEntry[]>('GET', `/_sim/logistics/inventory?an=${ACCOUNT}`)).toEqual([])
  }, 120000)

  it('syncs the stock counts through 5xx; a second sync writes nothing; an older count never overwrites a newer one', async () => {
    const counts = await erp<{ counts: StockCount[] }>('stock-batch')
    await simCall('PUT', '/_sim/faults', { rate429: 0.02, rate5xx: 0.03, retryAfterSeconds: 1, seed: 9, logistics: true })
    const done = await runSync('syncInventory', counts, { perSecond: 300, burst: 300 })
    await simCall('PUT', '/_sim/faults', { rate429: 0, rate5xx: 0 })
    console.log(`stock sync: ${done.status}, ${done.writes} writes (${JSON.stringify(done.summary)}), counters ${JSON.stringify(done.counters)}`)
    expect(done).toMatchObject({ status: 'SUCCEEDED', errorCount: 0, writes: counts.counts.length })
    expect(done.counters.serverErrors + done.counters.rateLimited).toBeGreaterThan(0)
    const held = await simCall<HeldEntry[]>('GET', `/_sim/logistics/inventory?an=${ACCOUNT}`)
    expect(held).toHaveLength(counts.counts.length)

    expect(await runSync('syncInventory', counts)).toMatchObject({ status: 'SUCCEEDED', writes: 0 })

    // A later round of counts applies; the first counts sent again afterwards are older: nothing.
    const round = await erp<{ counts: StockCount[] }>('stock-deltas', '&round=3&count=100')
    const later = await runSync('syncInventory', round)
    expect(later.status).toBe('SUCCEEDED')
    const stale = await runSync('syncInventory', counts)
    expect(stale).toMatchObject({ status: 'SUCCEEDED', writes: 0 })
    expect(stale.summary?.stale).toBeGreaterThan(0)
    const now = new Map((await simCall<HeldEntry[]>('GET', `/_sim/logistics/inventory?an=${ACCOUNT}`)).map((e) => [`${e.skuId}/${e.warehouseId}`, e.entry]))
    const first = new Map(counts.counts.map((c) => [`${c.refId ?? c.ean}/${c.warehouse}`, c]))
    let redated = 0
    for (const c of round.counts) {
      if (!c.refId) continue
      const e = now.get(`${idOf(c.refId)}/${c.warehouse}`)
      if (!c.unlimitedQuantity) expect(e?.quantity).toBe(c.quantity)
      // A newer count that changes nothing in VTEX is only recorded by Ponte (no write): VTEX
      // keeps the older date. One that changes the quantity is written with its own date.
      if (first.get(`${c.refId}/${c.warehouse}`)?.quantity !== c.quantity && !c.unlimitedQuantity) {
        expect(Date.parse(e?.dateUtcOnBalanceSystem ?? '')).toBe(Date.parse('2026-01-01T09:00:00Z'))
        redated += 1
      }
    }
    expect(redated).toBeGreaterThan(0)
  }, 600000)

  it('answers availability in a trade policy from the warehouses its docks reach', async () => {
    const sku = idOf(refOf(1))
    const reply = await ask('query($s: ID!) { availability(sku: $s, tradePolicy: "1") { sku quantity warehouses } }', { s: String(sku) })
    expect(reply.errors).toBeUndefined()
    const entries = (await simCall<HeldEntry[]>('GET', `/_sim/logistics/inventory?an=${ACCOUNT}`)).filter((e) => e.skuId === sku)
    const expected = entries.reduce((sum, e) => sum + (e.entry.unlimitedQuantity ? 1_000_000 : e.entry.quantity), 0)
    expect(reply.data?.availability.quantity).toBe(Math.min(expected, 1_000_000))
    const none = await ask('query($s: ID!) { availability(sku: $s, tradePolicy: "2") { quantity } }', { s: String(sku) })
    expect(none.data?.availability.quantity).toBe(0)
  }, 60000)

  it("counts authorized, confirmed and acknowledged reservations, not cancelled ones; the ERP's next count clears the acknowledged", async () => {
    const held = await simCall<HeldEntry[]>('GET', `/_sim/logistics/inventory?an=${ACCOUNT}`)
    // A limited SKU in wh-sp, none of whose entries is unlimited, and not the deltas' SKU.
    const e = held.find(
      (h) =>
        h.warehouseId === 'wh-sp' &&
        h.entry.quantity >= 5 &&
        h.skuId !== idOf(refOf(21)) &&
        !held.some((o) => o.skuId === h.skuId && o.entry.unlimitedQuantity)
    )
    if (!e) throw new Error('no limited SKU held in wh-sp')
    const refId = [...skuIds].find(([, id]) => id === e.skuId)?.[0] as string
    const available = async () =>
      (await ask('query($s: ID!) { availability(sku: $s, tradePolicy: "1") { quantity } }', { s: String(e.skuId) })).data?.availability.quantity
    const reserve = (lockId: string, quantity: number) =>
      vtex('POST', logisticsUrl('/inventory/reservations'), {
        salesChannel: '1',
        lockId,
        autorizationExpirationTTL: '00:30:00',
        deliveryItemOptions: [{ item: { id: String(e.skuId), quantity }, wareHouseId: 'wh-sp' }],
      })
    const before = (await available()) as number
    expect(before).toBeGreaterThanOrEqual(e.entry.quantity)
    await reserve('e2e-held', 2)
    expect(await available()).toBe(before - 2) // authorized
    await vtex('POST', logisticsUrl('/inventory/reservations/e2e-held/confirm'))
    expect(await available()).toBe(before - 2) // confirmed
    await vtex('POST', logisticsUrl('/inventory/reservations/e2e-held/acknowledge'))
    expect(await available()).toBe(before - 2) // acknowledged: still held
    await reserve('e2e-cancelled', 1)
    await vtex('POST', logisticsUrl('/inventory/reservations/e2e-cancelled/cancel'))
    expect(await available()).toBe(before - 2) // a cancelled one holds nothing

    // The ERP counts the same quantity after the acknowledgement (the units already left its
    // shelf): Ponte writes it although the quantity is unchanged, since that is what clears it.
    await sleep(1100)
    const count = { refId, warehouse: 'wh-sp', quantity: e.entry.quantity, dateUtcOnBalanceSystem: new Date().toISOString() }
    const cleared = await runSync('syncInventory', { counts: [count] })
    expect(cleared).toMatchObject({ status: 'SUCCEEDED', writes: 1, summary: { patchQuantity: 1 } })
    expect(await available()).toBe(before)
    expect(await runSync('syncInventory', { counts: [count] })).toMatchObject({ status: 'SUCCEEDED', writes: 0 })
  }, 120000)
})

describe('ERP deltas (POST /_v/ponte/erp/prices, /_v/ponte/erp/stock)', () => {
  const ERP_KEY = simAppKey(ACCOUNT)
  const post = async (path: string, body: unknown, headers: Record<string, string> = ERP_KEY) => {
    // VTEX IO's router names the public route it matched.
    const routeId = path.endsWith('/prices') ? 'erpPriceDelta' : 'erpStockDelta'
    const res = await routeFetch({ port: REPLICAS[1].port, account: ACCOUNT, workspace: WORKSPACE }, routeId, path, { body, headers })
    return { status: res.status, body: (await res.json()) as Record<string, any> }
  }

  it('takes a single price and a single count with the ERP app key, stored before the answer, then applied', async () => {
    const sku = idOf(refOf(21))
    const price = await post('/_v/ponte/erp/prices', { items: [{ refId: refOf(21), basePrice: 77.7, fixedPrices: [] }] })
    expect(price.status).toBe(202)
    expect(price.body.jobId).toMatch(/^syn-/)
    const stock = await post('/_v/ponte/erp/stock', { counts: [{ refId: refOf(21), warehouse: 'wh-sp', quantity: 42, dateUtcOnBalanceSystem: '2026-01-02T00:00:00Z' }] })
    expect(stock.status).toBe(202)
    for (const id of [price.body.jobId, stock.body.jobId]) {
      expect(await poll(id, finished, 60000, 1)).toMatchObject({ status: 'SUCCEEDED', writes: 1 })
    }
    const held = (await simCall<HeldPrice[]>('GET', `/_sim/pricing/prices?an=${ACCOUNT}`)).find((p) => p.itemId === sku)
    expect(held?.basePrice).toBe(77.7)
    const entry = (await simCall<HeldEntry[]>('GET', `/_sim/logistics/inventory?an=${ACCOUNT}`)).find((e) => e.skuId === sku && e.warehouseId === 'wh-sp')
    expect(entry?.entry.quantity).toBe(42)
  }, 120000)

  it('refuses without credentials, a malformed body and an oversized delta, with stable codes', async () => {
    expect((await post('/_v/ponte/erp/prices', { items: [] }, {})).status).toBe(401)
    const malformed = await post('/_v/ponte/erp/prices', '{"items": ')
    expect(malformed).toMatchObject({ status: 400, body: { code: 'DELTA_MALFORMED' } })
    const big = await post('/_v/ponte/erp/stock', { counts: Array.from({ length: 201 }, (_, i) => ({ refId: refOf(i + 1), warehouse: 'wh-sp', quantity: 1 })) })
    expect(big).toMatchObject({ status: 413, body: { code: 'DELTA_TOO_LARGE' } })
  }, 60000)
})
