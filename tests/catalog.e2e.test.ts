/**
 * The catalog queries end to end: ponte-sim on a fresh data directory, the service under the
 * real @vtex/api runtime with the simulator as its HTTP proxy, a catalog created through the
 * simulator's Catalog API, and GraphQL over HTTP as VTEX IO would send it. No mocks.
 */
import { mkdtempSync, mkdirSync } from 'fs'
import { tmpdir } from 'os'
import { join } from 'path'

import { graphql, vtexOk } from './support/http'
import type { Running, Sim } from './support/processes'
import { startService, startSim, tearDown } from './support/processes'

const ACCOUNT = 'ponte-e2e'
const WORKSPACE = 'master'

const work = mkdtempSync(join(tmpdir(), 'ponte-e2e-'))
const dataDir = join(work, 'sim-data')
mkdirSync(dataDir)

let sim: Sim
let service: Running

/** The ids the simulator gave the catalog below. */
const ids = {} as Record<
  'apparel' | 'shirts' | 'tshirts' | 'footwear' | 'origin' | 'material' | 'size' | 'discontinued' | 'sleeve' | 'neckline' | 'shoeSize',
  number
>

const post = <T>(path: string, body: unknown) => vtexOk<T>(sim.url, ACCOUNT, 'POST', path, body)

async function category(Name: string, FatherCategoryId: number | null): Promise<number> {
  const created = await post<{ Id: number }>('/api/catalog/pvt/category', {
    Name,
    FatherCategoryId,
    IsActive: true,
    Keywords: Name,
    Title: Name,
    Description: Name,
    ShowInStoreFront: true,
  })
  return created.Id
}

async function group(Name: string, CategoryId: number | null): Promise<number> {
  return (await post<{ Id: number }>('/api/catalog/pvt/specificationgroup', { Name, CategoryId })).Id
}

async function field(
  Name: string,
  FieldGroupId: number,
  CategoryId: number | null,
  FieldTypeId: number,
  extra: Record<string, unknown> = {}
): Promise<number> {
  const created = await post<{ Id: number }>('/api/catalog/pvt/specification', {
    Name,
    FieldGroupId,
    CategoryId,
    FieldTypeId,
    IsActive: true,
    IsStockKeepingUnit: false,
    IsRequired: false,
    IsFilter: false,
    ...extra,
  })
  return created.Id
}

async function value(FieldId: number, Name: string, Position: number, IsActive = true): Promise<number> {
  return (await post<{ FieldValueId: number }>('/api/catalog/pvt/specificationvalue', { FieldId, Name, Position, IsActive }))
    .FieldValueId
}

/**
 * ```
 * root level  "General"         Country of origin (text)
 * Apparel     "Apparel specs"   Material (text, 1), Size (combo, SKU, 2: S, M, L inactive), Discontinued (inactive, 3)
 *   Shirts    "Shirt specs"     Sleeve (radio: Short, Long)
 *     T-Shirts "T-Shirt specs"  Neckline (combo: Crew, V)
 * Footwear    "Footwear specs"  Shoe size (combo, SKU: 40, 41)
 * ```
 */
async function seed(): Promise<void> {
  ids.apparel = await category('Apparel', null)
  ids.shirts = await category('Shirts', ids.apparel)
  ids.tshirts = await category('T-Shirts', ids.shirts)
  ids.footwear = await category('Footwear', null)

  ids.origin = await field('Country of origin', await group('General', null), null, 1)

  const apparelGroup = await group('Apparel specs', ids.apparel)
  ids.material = await field('Material', apparelGroup, ids.apparel, 1, { Position: 1, IsRequired: true })
  ids.size = await field('Size', apparelGroup, ids.apparel, 5, { Position: 2, IsStockKeepingUnit: true, IsFilter: true })
  ids.discontinued = await field('Discontinued', apparelGroup, ids.apparel, 1, { Position: 3, IsActive: false })
  await value(ids.size, 'S', 1)
  await value(ids.size, 'M', 2)
  await value(ids.size, 'L', 3, false)

  ids.sleeve = await field('Sleeve', await group('Shirt specs', ids.shirts), ids.shirts, 6)
  await value(ids.sleeve, 'Short', 1)
  await value(ids.sleeve, 'Long', 2)

  ids.neckline = await field('Neckline', await group('T-Shirt specs', ids.tshirts), ids.tshirts, 5)
  await value(ids.neckline, 'Crew', 1)
  await value(ids.neckline, 'V', 2)

  ids.shoeSize = await field('Shoe size', await group('Footwear specs', ids.footwear), ids.footwear, 5, {
    IsStockKeepingUnit: true,
  })
  await value(ids.shoeSize, '40', 1)
  await value(ids.shoeSize, '41', 2)
}

const query = (q: string, variables?: unknown) => graphql(ACCOUNT, WORKSPACE, { query: q, variables })
/** As an admin's app key (License Manager's seeded owner role): categoryMoveImpact is admin only. */
const adminQuery = (q: string, variables?: unknown) =>
  graphql(ACCOUNT, WORKSPACE, { query: q, variables }, {
    'x-vtex-credential': 'e2e-app-token',
    'X-VTEX-API-AppKey': `vtexappkey-${ACCOUNT}-PONTE`,
    'X-VTEX-API-AppToken': 'ponte-sim-apptoken',
  })

const CATEGORY = `query Category($id: ID!) {
  category(id: $id) {
    id name isActive isLeaf
    path { id name isActive }
    effectiveSpecifications {
      productFields { fieldId name fieldType groupName isRequired inheritedFrom { scope categoryId categoryName distance } values { name } }
      skuFields { fieldId name fieldType isStockKeepingUnit inheritedFrom { scope categoryId distance } values { id name position } }
    }
  }
}`

function expectCode(reply: Awaited<ReturnType<typeof query>>, code: string, field: string): void {
  expect(reply.errors).toHaveLength(1)
  expect(reply.errors?.[0].extensions?.code).toBe(code)
  expect(reply.errors?.[0].path).toEqual([field])
  expect(reply.data).toEqual({ [field]: null })
}

beforeAll(async () => {
  sim = await startSim(dataDir)
  service = await startService({ simUrl: sim.url, account: ACCOUNT, workspace: WORKSPACE, appDir: join(work, 'app') })
  await seed()
}, 120000)

afterAll(async () => {
  await tearDown(work, [service], sim)
})

describe('category', () => {
  it('answers effective specifications: root, ancestors, own; product and SKU apart; inactive left out', async () => {
    const reply = await query(CATEGORY, { id: String(ids.tshirts) })
    expect(reply.errors).toBeUndefined()
    const c = reply.data?.category
    expect(c).toMatchObject({ id: String(ids.tshirts), name: 'T-Shirts', isActive: true, isLeaf: true })
    expect(c.path).toEqual([
      { id: String(ids.apparel), name: 'Apparel', isActive: true },
      { id: String(ids.shirts), name: 'Shirts', isActive: true },
      { id: String(ids.tshirts), name: 'T-Shirts', isActive: true },
    ])
    const product = c.effectiveSpecifications.productFields
    expect(product.map((f: { name: string }) => f.name)).toEqual(['Country of origin', 'Material', 'Sleeve', 'Neckline'])
    expect(product.map((f: { inheritedFrom: unknown }) => f.inheritedFrom)).toEqual([
      { scope: 'ROOT', categoryId: null, categoryName: null, distance: null },
      { scope: 'ANCESTOR', categoryId: String(ids.apparel), categoryName: 'Apparel', distance: 2 },
      { scope: 'ANCESTOR', categoryId: String(ids.shirts), categoryName: 'Shirts', distance: 1 },
      { scope: 'OWN', categoryId: String(ids.tshirts), categoryName: 'T-Shirts', distance: 0 },
    ])
    expect(product[1]).toMatchObject({ fieldId: String(ids.material), fieldType: 'TEXT', groupName: 'Apparel specs', isRequired: true, values: [] })
    expect(product[2]).toMatchObject({ fieldType: 'RADIO', values: [{ name: 'Short' }, { name: 'Long' }] })

    expect(c.effectiveSpecifications.skuFields).toEqual([
      {
        fieldId: String(ids.size),
        name: 'Size',
        fieldType: 'COMBO',
        isStockKeepingUnit: true,
        inheritedFrom: { scope: 'ANCESTOR', categoryId: String(ids.apparel), distance: 2 },
        values: [
          expect.objectContaining({ name: 'S', position: 1 }),
          expect.objectContaining({ name: 'M', position: 2 }),
        ],
      },
    ])
    const all = [...product, ...c.effectiveSpecifications.skuFields].map((f: { fieldId: string }) => f.fieldId)
    expect(all).not.toContain(String(ids.discontinued))
  })

  it('answers a department that is not a leaf, with its own fields as OWN', async () => {
    const reply = await query(CATEGORY, { id: String(ids.apparel) })
    const c = reply.data?.category
    expect(c.isLeaf).toBe(false)
    expect(c.effectiveSpecifications.productFields.map((f: { name: string; inheritedFrom: { scope: string } }) => [f.name, f.inheritedFrom.scope])).toEqual([
      ['Country of origin', 'ROOT'],
      ['Material', 'OWN'],
    ])
  })

  it('reports an unknown category as CATEGORY_NOT_FOUND', async () => {
    expectCode(await query(CATEGORY, { id: '999999' }), 'CATEGORY_NOT_FOUND', 'category')
  })

  it('reports an id that is not a positive integer as INVALID_ID', async () => {
    const reply = await query(CATEGORY, { id: 'abc' })
    expectCode(reply, 'INVALID_ID', 'category')
    expect(reply.errors?.[0].message).toMatch(/positive integer/)
  })

  it('rejects malformed variables before any resolver runs, with the runtime code', async () => {
    // graphql-js coerces variables before execution and @vtex/api formats that error itself;
    // the code is the runtime's, the same for every such request.
    const reply = await query(CATEGORY, { id: { not: 'an id' } })
    expect(reply.status).toBe(200)
    expect(reply.data).toBeUndefined()
    expect(reply.errors).toHaveLength(1)
    expect(reply.errors?.[0].message).toMatch(/^Variable "\$id" got invalid value/)
    expect(reply.errors?.[0].extensions?.code).toBe('INTERNAL_SERVER_ERROR')
  })

  it('reads the public tree, which needs no credential of the app', async () => {
    const reply = await graphql(ACCOUNT, WORKSPACE, { query: CATEGORY, variables: { id: String(ids.tshirts) } }, {
      'x-vtex-credential': '',
    })
    expect(reply.errors).toBeUndefined()
    expect(reply.data?.category.name).toBe('T-Shirts')
  })
})

describe('categoryTree', () => {
  it('nests departments by ascending id with levels and leaves', async () => {
    const reply = await query('{ categoryTree { id name level isLeaf isActive children { id level isLeaf children { id name level isLeaf children { id } } } } }')
    expect(reply.errors).toBeUndefined()
    expect(reply.data?.categoryTree).toEqual([
      {
        id: String(ids.apparel),
        name: 'Apparel',
        level: 1,
        isLeaf: false,
        isActive: true,
        children: [
          {
            id: String(ids.shirts),
            level: 2,
            isLeaf: false,
            children: [{ id: String(ids.tshirts), name: 'T-Shirts', level: 3, isLeaf: true, children: [] }],
          },
        ],
      },
      { id: String(ids.footwear), name: 'Footwear', level: 1, isLeaf: true, isActive: true, children: [] },
    ])
  })
})

const MOVE = `query Move($id: ID!, $to: ID) {
  categoryMoveImpact(id: $id, newFatherId: $to) {
    categoryId fromFatherCategoryId toFatherCategoryId affectedCategoryIds
    productFieldsGained { fieldId } productFieldsLost { fieldId inheritedFrom { scope categoryId } }
    skuFieldsGained { fieldId inheritedFrom { scope categoryId distance } } skuFieldsLost { fieldId }
  }
}`

describe('categoryMoveImpact', () => {
  it('is admin only: it reads the private Catalog API', async () => {
    expectCode(await query(MOVE, { id: String(ids.shirts), to: String(ids.footwear) }), 'UNAUTHENTICATED', 'categoryMoveImpact')
  })

  it('tells what moving Shirts under Footwear would change, writing nothing', async () => {
    const reply = await adminQuery(MOVE, { id: String(ids.shirts), to: String(ids.footwear) })
    expect(reply.errors).toBeUndefined()
    expect(reply.data?.categoryMoveImpact).toEqual({
      categoryId: String(ids.shirts),
      fromFatherCategoryId: String(ids.apparel),
      toFatherCategoryId: String(ids.footwear),
      affectedCategoryIds: [String(ids.shirts), String(ids.tshirts)],
      productFieldsGained: [],
      productFieldsLost: [{ fieldId: String(ids.material), inheritedFrom: { scope: 'ANCESTOR', categoryId: String(ids.apparel) } }],
      skuFieldsGained: [{ fieldId: String(ids.shoeSize), inheritedFrom: { scope: 'ANCESTOR', categoryId: String(ids.footwear), distance: 1 } }],
      skuFieldsLost: [{ fieldId: String(ids.size) }],
    })
    const after = await query('query($id: ID!) { category(id: $id) { path { id } } }', { id: String(ids.shirts) })
    expect(after.data?.category.path).toEqual([{ id: String(ids.apparel) }, { id: String(ids.shirts) }])
  })

  it('refuses moving a category under its own descendant as CATEGORY_CYCLE', async () => {
    const reply = await adminQuery(MOVE, { id: String(ids.apparel), to: String(ids.tshirts) })
    expectCode(reply, 'CATEGORY_CYCLE', 'categoryMoveImpact')
  })

  it('reports a private read refused for want of the app credential as VTEX_REQUEST_FAILED', async () => {
    const reply = await graphql(ACCOUNT, WORKSPACE, { query: MOVE, variables: { id: String(ids.shirts), to: String(ids.footwear) } }, {
      'x-vtex-credential': '',
      'X-VTEX-API-AppKey': `vtexappkey-${ACCOUNT}-PONTE`,
      'X-VTEX-API-AppToken': 'ponte-sim-apptoken',
    })
    expectCode(reply, 'VTEX_REQUEST_FAILED', 'categoryMoveImpact')
    // The first private call is License Manager's check of the person's resources.
    expect(reply.errors?.[0].message).toMatch(/License Manager answered 401/)
  })

  it('refuses an unknown new father as CATEGORY_NOT_FOUND and a bad one as INVALID_ID', async () => {
    expectCode(await adminQuery(MOVE, { id: String(ids.shirts), to: '999999' }), 'CATEGORY_NOT_FOUND', 'categoryMoveImpact')
    expectCode(await adminQuery(MOVE, { id: String(ids.shirts), to: '-3' }), 'INVALID_ID', 'categoryMoveImpact')
  })
})

describe('the simulator restarted on the same data directory', () => {
  it('still serves the catalog to the service', async () => {
    const port = sim.port
    await sim.stop()
    sim = await startSim(dataDir, port)
    const reply = await query(CATEGORY, { id: String(ids.tshirts) })
    expect(reply.errors).toBeUndefined()
    expect(reply.data?.category.effectiveSpecifications.productFields.map((f: { name: string }) => f.name)).toEqual([
      'Country of origin',
      'Material',
      'Sleeve',
      'Neckline',
    ])
    expect(reply.data?.category.effectiveSpecifications.skuFields.map((f: { name: string }) => f.name)).toEqual(['Size'])
  })
})
