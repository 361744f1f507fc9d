import type { IOContext } from '@vtex/api'

import { Catalog, toCategory, toField, toGroup, toValue, treeToCategories } from './catalog'

describe('mapping VTEX shapes into the core snapshot', () => {
  it('maps a category, keeping HasChildren', () => {
    expect(toCategory({ Id: 7, Name: 'Shirts', FatherCategoryId: 1, IsActive: false, HasChildren: true })).toEqual({
      id: 7,
      name: 'Shirts',
      fatherCategoryId: 1,
      isActive: false,
      hasChildren: true,
    })
    expect(toCategory({ Id: 1, Name: 'Dept', FatherCategoryId: null, IsActive: true })).toMatchObject({
      fatherCategoryId: null,
      hasChildren: null,
    })
  })

  it('flattens the tree with each node father', () => {
    const categories = treeToCategories([
      { id: 1, name: 'A', hasChildren: true, children: [{ id: 2, name: 'B', hasChildren: false, children: [] }] },
      { id: 3, name: 'C', hasChildren: true, children: [] },
    ])
    expect(categories).toEqual([
      { id: 1, name: 'A', fatherCategoryId: null, isActive: true, hasChildren: true },
      { id: 2, name: 'B', fatherCategoryId: 1, isActive: true, hasChildren: false },
      { id: 3, name: 'C', fatherCategoryId: null, isActive: true, hasChildren: true },
    ])
  })

  it('maps a group, a null position becoming 0', () => {
    expect(toGroup({ Id: 6, Name: 'Sizes', CategoryId: null, Position: null })).toEqual({
      id: 6,
      categoryId: null,
      name: 'Sizes',
      position: 0,
    })
  })

  it('maps a field, its scope left to its group', () => {
    expect(
      toField({
        FieldId: 88,
        Name: 'Material',
        CategoryId: 4,
        FieldGroupId: 20,
        FieldTypeId: 1,
        Position: 1,
        IsActive: true,
        IsRequired: true,
        IsFilter: true,
        IsStockKeepingUnit: false,
      })
    ).toEqual({
      id: 88,
      name: 'Material',
      fieldTypeId: 1,
      fieldGroupId: 20,
      categoryId: null,
      position: 1,
      isRequired: true,
      isActive: true,
      isFilter: true,
      isStockKeepingUnit: false,
    })
  })

  it('maps a value, its Value becoming the name', () => {
    expect(toValue(33, { FieldValueId: 52, Value: '0 a 6 meses', IsActive: true, Position: 1 })).toEqual({
      id: 52,
      fieldId: 33,
      name: '0 a 6 meses',
      isActive: true,
      position: 1,
    })
  })
})

describe('the Catalog client', () => {
  const context = { account: 'acme', workspace: 'master', authToken: 'app-token' } as unknown as IOContext

  function stubbed(answer: unknown = []) {
    const client = new Catalog(context)
    const get = jest.fn().mockResolvedValue(answer)
    ;(client as unknown as { http: { get: typeof get } }).http.get = get
    return { client, get }
  }

  it.each([
    ['category', 7, '/api/catalog/pvt/category/7', 'catalog-category-get'],
    ['categoryTree', 32, '/api/catalog_system/pub/category/tree/32', 'catalog-category-tree'],
    [
      'fieldsVisibleAt',
      7,
      '/api/catalog_system/pub/specification/field/listTreeByCategoryId/7',
      'catalog-spec-fields-by-category',
    ],
    ['field', 88, '/api/catalog_system/pub/specification/fieldGet/88', 'catalog-spec-field-get'],
    ['group', 6, '/api/catalog_system/pub/specification/groupGet/6', 'catalog-spec-group-get'],
    ['fieldValues', 33, '/api/catalog_system/pub/specification/fieldvalue/33', 'catalog-spec-field-values'],
  ] as const)('%s(%d) calls %s with metric %s', async (method, id, url, metric) => {
    const { client, get } = stubbed()
    await (client[method] as (id: number) => Promise<unknown>)(id)
    expect(get).toHaveBeenCalledWith(url, expect.objectContaining({ metric }))
  })

  it('turns a 404 list into an empty list', async () => {
    const { client } = stubbed(null)
    await expect(client.fieldsVisibleAt(1)).resolves.toEqual([])
    await expect(client.fieldValues(1)).resolves.toEqual([])
  })

  it('calls Janus for the account with the app token as VtexIdclientAutCookie', () => {
    const client = new Catalog(context)
    const options = (client as unknown as { options: { baseURL: string; headers: Record<string, string>; params: Record<string, string> } })
      .options
    expect(options.baseURL).toBe('http://portal.vtexcommercestable.com.br')
    expect(options.params).toEqual({ an: 'acme' })
    expect(options.headers.VtexIdclientAutCookie).toBe('app-token')
  })
})
