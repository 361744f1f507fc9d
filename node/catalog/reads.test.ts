import { effectiveSpecifications } from './core'
import { PonteError } from '../lib/errors'
import { demoCatalog, FakeCatalog } from '../test-support/fakeCatalog'
import { pathIds, readCategory, readChain, readMove, readSpecifications, SnapshotBuilder } from './reads'

function coreCode(run: () => unknown): string {
  try {
    run()
  } catch (e) {
    return (e as PonteError).code
  }
  return 'none'
}

describe('reading the catalog', () => {
  it("reads a category's chain up to its department from the public tree, in one call", async () => {
    const src = demoCatalog()
    const read = await readCategory(src, 3)
    expect(pathIds(3, read)).toEqual([1, 2, 3])
    expect(src.calls).toEqual({ categoryTree: 1 })
  })

  it('does not find an inactive category, or one under an inactive father: the public tree hides them', async () => {
    const src = new FakeCatalog(
      [
        { Id: 1, Name: 'A', FatherCategoryId: null, IsActive: true },
        { Id: 2, Name: 'B', FatherCategoryId: 1, IsActive: false },
        { Id: 3, Name: 'C', FatherCategoryId: 2, IsActive: true },
      ],
      [],
      [],
      []
    )
    for (const id of [2, 3]) {
      const read = await readCategory(src, id)
      expect(coreCode(() => effectiveSpecifications(read.snapshot(), id))).toBe('CATEGORY_NOT_FOUND')
    }
    expect(src.calls.category).toBeUndefined()
  })

  it('walks a chain by the private endpoint (moves), once per category', async () => {
    const src = demoCatalog()
    const read = new SnapshotBuilder()
    await readChain(src, 3, read)
    expect(pathIds(3, read)).toEqual([1, 2, 3])
    expect(src.calls).toEqual({ category: 3 })
  })

  it('leaves an unknown category out, for the core to report', async () => {
    const read = await readCategory(demoCatalog(), 999)
    expect(read.categories.size).toBe(0)
    expect(coreCode(() => effectiveSpecifications(read.snapshot(), 999))).toBe('CATEGORY_NOT_FOUND')
  })

  it('stops at a cycle in VTEX data, which the core reports', async () => {
    const src = new FakeCatalog(
      [
        { Id: 1, Name: 'A', FatherCategoryId: 2, IsActive: true },
        { Id: 2, Name: 'B', FatherCategoryId: 1, IsActive: true },
      ],
      [],
      [],
      []
    )
    const read = new SnapshotBuilder()
    await readChain(src, 1, read)
    expect(read.categories.size).toBe(2)
    expect(coreCode(() => effectiveSpecifications(read.snapshot(), 1))).toBe('CATEGORY_CYCLE')
  })

  it('reports a missing father as CATEGORY_FATHER_NOT_FOUND', async () => {
    const src = new FakeCatalog([{ Id: 1, Name: 'A', FatherCategoryId: 50, IsActive: true }], [], [], [])
    const read = new SnapshotBuilder()
    await readChain(src, 1, read)
    expect(coreCode(() => effectiveSpecifications(read.snapshot(), 1))).toBe('CATEGORY_FATHER_NOT_FOUND')
  })

  it('fetches each field, group and value list once, values only for list types', async () => {
    const src = demoCatalog()
    const read = await readCategory(src, 3)
    await readSpecifications(src, pathIds(3, read), read)
    // fields 10, 20, 21, 30 (22 is inactive in the list); groups 1, 2, 3; values of 21 and 30.
    expect(src.calls).toEqual({ categoryTree: 1, fieldsVisibleAt: 3, field: 4, group: 3, fieldValues: 2 })
    expect([...read.fields.keys()].sort()).toEqual([10, 20, 21, 30])
  })

  it('leaves out a group on a category outside the read path', async () => {
    const src = demoCatalog(true)
    const read = await readCategory(src, 4)
    // Ask for category 1's fields too: its group sits on a category that was not read.
    await readSpecifications(src, [4, 1], read)
    expect([...read.groups.keys()].sort()).toEqual([1, 4])
    expect(() => effectiveSpecifications(read.snapshot(), 4)).not.toThrow()
  })

  it('reads the subtree and both paths for a move', async () => {
    const src = demoCatalog()
    const read = await readMove(src, 2, 4)
    expect([...read.categories.keys()].sort()).toEqual([1, 2, 3, 4])
    expect(src.calls.categoryTree).toBe(1)
  })
})
