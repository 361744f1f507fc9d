import { PonteError } from '../../lib/errors'
import { demoCatalog } from '../../test-support/fakeCatalog'
import { mockContext } from '../../test-support/mockContext'
import { catalogQueries, categoryFields } from './Catalog'

const { category, categoryTree, categoryMoveImpact } = catalogQueries

async function effective(id: string, listIncludesInherited = false) {
  const ctx = mockContext({ catalog: demoCatalog(listIncludesInherited) })
  const parent = await category(null, { id }, ctx)
  return { parent, specs: await categoryFields.effectiveSpecifications(parent, {}, ctx) }
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise
  } catch (e) {
    expect(e).toBeInstanceOf(PonteError)
    expect((e as PonteError).extensions.code).toBe((e as PonteError).code)
    return (e as PonteError).code
  }
  throw new Error('expected an error')
}

describe('category', () => {
  it('answers the path, activity and leafness', async () => {
    const { parent } = await effective('3')
    expect(parent).toMatchObject({ id: 3, name: 'T-Shirts', isActive: true, isLeaf: true })
    expect(parent.path.map((p) => p.name)).toEqual(['Clothing', 'Shirts', 'T-Shirts'])
    const { parent: dept } = await effective('1')
    expect(dept.isLeaf).toBe(false)
  })

  it.each([false, true])('lists root, then ancestors, then own fields (list includes inherited: %s)', async (inherited) => {
    const { specs } = await effective('3', inherited)
    expect(specs.productFields.map((f) => [f.fieldId, f.inheritedFrom.scope, f.inheritedFrom.distance])).toEqual([
      [10, 'ROOT', null],
      [20, 'ANCESTOR', 2],
      [30, 'ANCESTOR', 1],
    ])
    expect(specs.skuFields.map((f) => f.fieldId)).toEqual([21])
    expect(specs.skuFields[0].values.map((v) => v.name)).toEqual(['S', 'M'])
    expect(specs.productFields[2].values.map((v) => v.name)).toEqual(['Short', 'Long'])
  })

  it('marks a category own fields OWN and leaves inactive fields out', async () => {
    const { specs } = await effective('1')
    expect(specs.productFields.map((f) => [f.name, f.inheritedFrom.scope])).toEqual([
      ['Origin', 'ROOT'],
      ['Material', 'OWN'],
    ])
  })

  it('reads no specification when only the summary is asked', async () => {
    const catalog = demoCatalog()
    await category(null, { id: '3' }, mockContext({ catalog }))
    expect(catalog.calls).toEqual({ categoryTree: 1 })
  })

  it('reports an unknown category as CATEGORY_NOT_FOUND', async () => {
    expect(await codeOf(category(null, { id: '999' }, mockContext()))).toBe('CATEGORY_NOT_FOUND')
  })

  it.each(['abc', '0', '-1', '1.5', ' 1', '01', '4294967296', ''])('refuses id %j as INVALID_ID', async (id) => {
    const catalog = demoCatalog()
    expect(await codeOf(category(null, { id }, mockContext({ catalog })))).toBe('INVALID_ID')
    expect(catalog.calls).toEqual({})
  })

  it('reports a VTEX failure as VTEX_REQUEST_FAILED', async () => {
    const catalog = demoCatalog()
    catalog.failWith = 503
    const error = category(null, { id: '3' }, mockContext({ catalog }))
    expect(await codeOf(error)).toBe('VTEX_REQUEST_FAILED')
    await expect(error).rejects.toThrow(/HTTP 503/)
  })
})

describe('categoryTree', () => {
  it('nests active categories by ascending id', async () => {
    const tree = await categoryTree(null, {}, mockContext())
    const show = (n: { id: number; level: number; isLeaf: boolean; children: unknown[] }): unknown => [
      n.id,
      n.level,
      n.isLeaf,
      (n.children as Array<typeof n>).map(show),
    ]
    expect(tree.map(show)).toEqual([
      [1, 1, false, [[2, 2, false, [[3, 3, true, []]]]]],
      [4, 1, true, []],
    ])
  })
})

describe('categoryMoveImpact', () => {
  it('lists fields gained and lost and the affected subtree', async () => {
    const impact = await categoryMoveImpact(null, { id: '2', newFatherId: '4' }, mockContext())
    expect(impact).toMatchObject({ categoryId: 2, fromFatherCategoryId: 1, toFatherCategoryId: 4, affectedCategoryIds: [2, 3] })
    expect(impact.productFieldsLost.map((f) => f.fieldId)).toEqual([20])
    expect(impact.skuFieldsLost.map((f) => f.fieldId)).toEqual([21])
    expect(impact.skuFieldsGained.map((f) => f.fieldId)).toEqual([40])
    expect(impact.productFieldsGained).toEqual([])
  })

  it('moves to the top with a null father', async () => {
    const impact = await categoryMoveImpact(null, { id: '2', newFatherId: null }, mockContext())
    expect(impact.toFatherCategoryId).toBeNull()
    expect(impact.productFieldsLost.map((f) => f.fieldId)).toEqual([20])
  })

  it.each([
    ['1', '3'],
    ['2', '2'],
  ])('refuses moving %s under %s as CATEGORY_CYCLE', async (id, newFatherId) => {
    expect(await codeOf(categoryMoveImpact(null, { id, newFatherId }, mockContext()))).toBe('CATEGORY_CYCLE')
  })

  it('refuses an unknown category or father as CATEGORY_NOT_FOUND', async () => {
    expect(await codeOf(categoryMoveImpact(null, { id: '999', newFatherId: '1' }, mockContext()))).toBe('CATEGORY_NOT_FOUND')
    expect(await codeOf(categoryMoveImpact(null, { id: '2', newFatherId: '999' }, mockContext()))).toBe('CATEGORY_NOT_FOUND')
  })

  it('refuses a bad father id as INVALID_ID', async () => {
    expect(await codeOf(categoryMoveImpact(null, { id: '2', newFatherId: 'x' }, mockContext()))).toBe('INVALID_ID')
  })
})
