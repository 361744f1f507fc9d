/** The manifest and service.json agree with what the code does. */
import { readFileSync } from 'fs'
import { join } from 'path'

import { CATALOG_PATHS } from './clients/catalog'
import { IMPORT_PATHS } from './clients/catalogImport'
import { LOGISTICS_PATHS } from './clients/logistics'
import { MASTER_DATA_PATHS } from './clients/masterData'
import { OMS_PATHS } from './clients/oms'
import { PRICING_PATHS } from './clients/pricing'
import { SCHEDULER_PATHS } from './clients/scheduler'
import { VTEX_ID_PATHS } from './clients/vtexId'

const manifest = JSON.parse(readFileSync(join(__dirname, '..', 'manifest.json'), 'utf8'))
const service = JSON.parse(readFileSync(join(__dirname, 'service.json'), 'utf8'))

/** VTEX IO outbound-access paths use `*` as a wildcard. */
const matches = (pattern: string, path: string) =>
  new RegExp(`^${pattern.split('*').map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`).test(path)

const PORTAL = 'portal.vtexcommercestable.com.br'
const ACCOUNT_HOST = '{{account}}.vtexcommercestable.com.br'

/**
 * Each client: its paths, the host its outbound-access policies name, and a path it calls for
 * one of them (the trailing `*`, and Pricing's `{account}`, filled in).
 */
const CLIENT_PATHS: Array<[client: string, host: string, paths: readonly string[], call: (path: string) => string]> = [
  ['Catalog', PORTAL, [...CATALOG_PATHS, ...IMPORT_PATHS], (p) => p.replace(/\*$/, '1')],
  ['VTEX ID', ACCOUNT_HOST, Object.values(VTEX_ID_PATHS), (p) => p],
  ['OMS', ACCOUNT_HOST, Object.values(OMS_PATHS), (p) => p.replace(/\*$/, 'v1pnt-01/invoice/NF-1')],
  ['Pricing', 'api.vtex.com', Object.values(PRICING_PATHS), (p) => p.replace('{account}', 'acme').replace(/\*$/, 'prices/1/fixed')],
  ['Logistics', ACCOUNT_HOST, Object.values(LOGISTICS_PATHS), (p) => p.replace(/\*$/, 'inventory/skus/1/warehouses/w1')],
  ['Master Data', ACCOUNT_HOST, Object.values(MASTER_DATA_PATHS), (p) => p.replace(/\*$/, 'CL/documents/abc')],
  ['scheduler', PORTAL, Object.values(SCHEDULER_PATHS), (p) => p.replace(/\*$/, 'master/vendor.ponte/ponte-orders-feed-tick')],
]

describe('manifest.json', () => {
  it('has a name, vendor and version vtex link accepts', () => {
    expect(manifest.name).toMatch(/^[\w_-]+$/)
    expect(manifest.vendor).toMatch(/^[\w_-]+$/)
    expect(manifest.version).toMatch(/^\d+\.\d+\.\d+(-.*)?$/)
    expect(manifest.version).toBe(require('./package.json').version)
  })

  it('uses the current builders', () => {
    expect(manifest.builders).toEqual({ node: '7.x', graphql: '2.x', docs: '0.x', paymentProvider: '1.x' })
  })

  it.each(
    CLIENT_PATHS.flatMap(([client, host, paths, call]) => paths.map((path) => [client, path, host, call(path)] as const))
  )('allows the %s client path %s on %s', (_client, _path, host, call) => {
    const policies = manifest.policies.filter(
      (p: { name: string; attrs?: Record<string, string> }) => p.name === 'outbound-access' && p.attrs?.host === host
    )
    expect(policies.some((p: { attrs: { path: string } }) => matches(p.attrs.path, call))).toBe(true)
  })

  it('declares the orders settings the service reads', () => {
    const { erpEndpoint, erpToken, hookSecret, tickSecret, handoffStatus } = manifest.settingsSchema.properties
    expect([erpEndpoint.type, erpToken.type, hookSecret.type, tickSecret.type]).toEqual(['string', 'string', 'string', 'string'])
    expect(handoffStatus).toMatchObject({ type: 'string', default: 'ready-for-handling' })
  })

  it('may read and write VBase (import jobs)', () => {
    expect(manifest.policies.some((p: { name: string }) => p.name === 'vbase-read-write')).toBe(true)
  })

  it('declares the SSO settings the service reads', () => {
    const { jwks, ssoCacheSeconds } = manifest.settingsSchema.properties
    expect(jwks.type).toBe('string')
    expect(ssoCacheSeconds).toMatchObject({ type: 'integer', minimum: 0, maximum: 300, default: 60 })
  })
})

describe('service.json', () => {
  it('declares the routes index.ts serves', () => {
    expect(Object.keys(service.routes)).toEqual([
      'health',
      'adminSession',
      'orderHook',
      'orderFeedTick',
      'erpPriceDelta',
      'erpStockDelta',
      'erpCustomerDelta',
      'customerChangesTick',
      'benchWrite',
      'paymentManifest',
      'paymentMethods',
      'paymentCreate',
      'paymentCancel',
      'paymentSettle',
      'paymentRefund',
      'paymentInbound',
      'paymentCallbacks',
      // The provider protocols (§G.2, §G.3), public: VTEX calls them with the provider's credentials.
      'giftcardSearch',
      'giftcards',
      'giftcard',
      'giftcardTransactions',
      'giftcardTransaction',
      'giftcardAuthorization',
      'giftcardSettlements',
      'giftcardCancellations',
      'giftcardReconcile',
      'antifraudManifest',
      'antifraudPreAnalysis',
      'antifraudTransactions',
      'antifraudTransaction',
    ])
    expect(service.routes.erpPriceDelta).toEqual({ path: '/_v/ponte/erp/prices', public: true })
    expect(service.routes.erpStockDelta).toEqual({ path: '/_v/ponte/erp/stock', public: true })
    expect(service.routes.erpCustomerDelta).toEqual({ path: '/_v/ponte/erp/customers', public: true })
    expect(service.routes.customerChangesTick).toEqual({ path: '/_v/ponte/customers/changes-tick', public: true })
    expect(service.routes.giftcardSearch).toEqual({ path: '/_v/ponte/giftcards/_search', public: true })
    expect(service.routes.antifraudTransaction).toEqual({ path: '/_v/ponte/antifraud/transactions/:id', public: true })
    expect(service.routes.orderHook).toEqual({ path: '/_v/ponte/orders/hook', public: true })
    expect(service.routes.orderFeedTick).toEqual({ path: '/_v/ponte/orders/feed/tick', public: true })
    // The hook bench's reference route: declared, but index.ts serves it only with PONTE_BENCH_ROUTES=1.
    expect(service.routes.benchWrite).toEqual({ path: '/_v/ponte/bench/write', public: true })
  })

  it('declares the order status event handler', () => {
    expect(service.events).toEqual({ orderStatusChanged: { sender: 'vtex.orders-broadcast', topics: ['order-status-updated'] } })
  })

  it('runs on the node builder stack with bounded resources', () => {
    expect(service.stack).toBe('nodejs')
    expect(service.memory).toBeLessThanOrEqual(512)
    expect(service.minReplicas).toBeGreaterThanOrEqual(2)
    expect(service.maxReplicas).toBeGreaterThanOrEqual(service.minReplicas)
  })
})
