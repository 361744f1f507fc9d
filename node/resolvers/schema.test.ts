/**
 * The resolvers behind the app's real schema (graphql/*.graphql), executed and formatted the way
 * the @vtex/api runtime does it (test-support/graphql.ts).
 */
import { mockContext } from '../test-support/mockContext'
import { parse as parseSdl } from 'graphql'
import type { ObjectTypeDefinitionNode } from 'graphql'

import { appTypeDefs, buildSchema, runQuery } from '../test-support/graphql'
import { resolvers } from '.'

const schema = buildSchema()
const run = (query: string, variables?: Record<string, unknown>) => runQuery(schema, mockContext(), query, variables)

const CATEGORY = `query($id: ID!) {
  category(id: $id) {
    id name isActive isLeaf path { id name }
    effectiveSpecifications {
      productFields { fieldId fieldType groupName inheritedFrom { scope categoryId categoryName distance } values { id name } }
      skuFields { fieldId fieldType values { id name position } }
    }
  }
}`

describe('the GraphQL schema with its resolvers', () => {
  it('every Query field carries @auth (graphql builder 2.x), and the session fields @requiresPerson', () => {
    const query = parseSdl(appTypeDefs).definitions.find(
      (d): d is ObjectTypeDefinitionNode => d.kind === 'ObjectTypeDefinition' && d.name.value === 'Query'
    )
    const directives = Object.fromEntries(
      (query?.fields ?? []).map((f) => [f.name.value, (f.directives ?? []).map((d) => d.name.value)])
    )
    for (const [field, names] of Object.entries(directives)) expect([field, names[0]]).toEqual([field, 'auth'])
    expect(directives.adminSession).toEqual(['auth', 'requiresPerson'])
    expect(directives.storefrontSession).toEqual(['auth', 'requiresPerson'])
  })

  it('the import, order, intake, audit and move impact fields are Admin-only (app keys allowed) with License Manager resources, every Mutation field carries @auth and @audited last', () => {
    const fieldsOf = (type: string) =>
      (parseSdl(appTypeDefs).definitions.find(
        (d): d is ObjectTypeDefinitionNode => d.kind === 'ObjectTypeDefinition' && d.name.value === type
      )?.fields ?? [])
    const requirement = (name: string, type = 'Query') => {
      const field = fieldsOf(type).find((f) => f.name.value === name)
      const directive = field?.directives?.find((d) => d.name.value === 'requiresPerson')
      const args = directive?.arguments?.filter((a) => a.name.value !== 'resources').map((a) => `${a.name.value}=${(a.value as { value: unknown }).value}`)
      const resources = directive?.arguments?.find((a) => a.name.value === 'resources')
      return [field?.directives?.[0].name.value, args, (resources?.value as { values?: unknown[] } | undefined)?.values?.length ?? 0]
    }
    const admin = ['auth', ['audience=ADMIN', 'allowAppKey=true'], expect.any(Number)]
    for (const name of ['validateCatalogBatch', 'importJob', 'order', 'orderChange', 'auditLog', 'categoryMoveImpact', 'orderIntake', 'workspaceRole']) {
      expect([name, ...requirement(name)]).toEqual([name, ...admin])
      expect(requirement(name)[2]).toBeGreaterThan(0)
    }
    // A review is decided by a person: no app key.
    const personOnly = new Set(['decideAntifraudReview'])
    for (const f of fieldsOf('Mutation')) {
      const want = personOnly.has(f.name.value) ? ['auth', ['audience=ADMIN'], expect.any(Number)] : admin
      expect([f.name.value, ...requirement(f.name.value, 'Mutation')]).toEqual([f.name.value, ...want])
      expect(requirement(f.name.value, 'Mutation')[2]).toBeGreaterThan(0)
      expect(f.directives?.[f.directives.length - 1].name.value).toBe('audited')
    }
    expect(Object.keys(schema.getMutationType()?.getFields() ?? {}).sort()).toEqual(Object.keys(resolvers.Mutation).sort())
  })

  it('refuses the import fields without a person, before reading anything', async () => {
    const { data, errors } = await run('query($b: JSON!) { validateCatalogBatch(batch: $b) { valid } }', { b: { products: [] } })
    expect(data).toBeNull()
    expect(errors?.[0].extensions?.code).toBe('UNAUTHENTICATED')
    const mutation = await run('mutation { importCatalogBatch(batch: { products: [] }) { id } }')
    expect(mutation.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED')
  })

  it('every Query field has a resolver', () => {
    const fields = Object.keys(schema.getQueryType()?.getFields() ?? {})
    expect(fields.sort()).toEqual(Object.keys(resolvers.Query).sort())
  })

  it('answers category with ids as strings and enums as names', async () => {
    const { data, errors } = await run(CATEGORY, { id: '3' })
    expect(errors).toBeUndefined()
    const category = data?.category
    expect(category.id).toBe('3')
    expect(category.path).toEqual([
      { id: '1', name: 'Clothing' },
      { id: '2', name: 'Shirts' },
      { id: '3', name: 'T-Shirts' },
    ])
    expect(category.effectiveSpecifications.productFields[1]).toEqual({
      fieldId: '20',
      fieldType: 'TEXT',
      groupName: 'Clothing specs',
      inheritedFrom: { scope: 'ANCESTOR', categoryId: '1', categoryName: 'Clothing', distance: 2 },
      values: [],
    })
    expect(category.effectiveSpecifications.skuFields).toEqual([
      {
        fieldId: '21',
        fieldType: 'COMBO',
        values: [
          { id: '210', name: 'S', position: 1 },
          { id: '211', name: 'M', position: 2 },
        ],
      },
    ])
  })

  it('accepts an integer variable for an ID', async () => {
    const { data } = await run('query($id: ID!) { category(id: $id) { name } }', { id: 3 })
    expect(data?.category.name).toBe('T-Shirts')
  })

  it.each([
    ['999', 'CATEGORY_NOT_FOUND'],
    ['abc', 'INVALID_ID'],
  ])('category(%j) fails with extensions.code %s', async (id, code) => {
    const { data, errors } = await run(CATEGORY, { id })
    expect(data).toEqual({ category: null })
    expect(errors).toHaveLength(1)
    expect(errors?.[0].extensions?.code).toBe(code)
    expect(errors?.[0].path).toEqual(['category'])
  })

  it('refuses a move impact without a person: it reads the private Catalog API', async () => {
    const { data, errors } = await run('{ categoryMoveImpact(id: "1", newFatherId: "3") { categoryId } }')
    expect(data).toEqual({ categoryMoveImpact: null })
    expect(errors?.[0].extensions?.code).toBe('UNAUTHENTICATED')
  })

  it('answers the tree (the move impact, admin only, is tested on its resolver)', async () => {
    const { data, errors } = await run(`{ categoryTree { id level children { id children { id isLeaf } } } }`)
    expect(errors).toBeUndefined()
    expect(data?.categoryTree[0]).toEqual({ id: '1', level: 1, children: [{ id: '2', children: [{ id: '3', isLeaf: true }] }] })
  })
})

describe('query limits (lib/queryLimits.ts)', () => {
  const nest = (levels: number): string => (levels === 0 ? 'id' : `id children { ${nest(levels - 1)} }`)

  it('refuses an operation nested deeper than the limit, or with too many aliases, with QUERY_TOO_COMPLEX', async () => {
    const deep = await run(`{ categoryTree { ${nest(16)} } }`)
    expect(deep.data).toBeNull()
    expect(deep.errors?.[0].extensions?.code).toBe('QUERY_TOO_COMPLEX')
    expect(deep.errors?.[0].message).toContain('depth')
    const aliases = Array.from({ length: 31 }, (_, i) => `a${i}: categoryTree { id }`).join(' ')
    const many = await run(`{ ${aliases} }`)
    expect(many.errors?.[0].extensions?.code).toBe('QUERY_TOO_COMPLEX')
    expect(many.errors?.[0].message).toContain('aliases')
  })

  it('counts fragments where they are spread, and answers ordinary queries', async () => {
    const costly = await run(`fragment F on CategoryNode { id name isActive level isLeaf } { categoryTree { ...F children { ...F children { ...F } } } }`)
    expect(costly.errors).toBeUndefined()
    const tooCostly = await run(`fragment F on CategoryNode { ${'id '.repeat(1001)} } { categoryTree { ...F children { ...F } } }`)
    expect(tooCostly.errors?.[0].extensions?.code).toBe('QUERY_TOO_COMPLEX')
    expect((await run(`{ categoryTree { ${nest(6)} } }`)).errors).toBeUndefined()
  })
})
