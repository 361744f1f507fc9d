import type {
  CatalogSource,
  VtexCategory,
  VtexCategoryTreeNode,
  VtexField,
  VtexFieldSummary,
  VtexFieldValue,
  VtexGroup,
} from '../clients/catalog'

/** An in-memory VTEX Catalog answering in VTEX's own shapes, counting calls per method. */
export class FakeCatalog implements CatalogSource {
  public readonly calls: Record<string, number> = {}
  /** When set, every call fails the way an HTTP client does on this status. */
  public failWith: number | null = null

  constructor(
    public readonly categories: VtexCategory[],
    public readonly groups: VtexGroup[],
    public readonly fields: VtexField[],
    public readonly values: Array<VtexFieldValue & { FieldId: number }>,
    /** false: listTreeByCategoryId answers own + root-level fields (VTEX's description); true: also inherited ones. */
    private readonly listIncludesInherited = false
  ) {}

  public async category(id: number): Promise<VtexCategory | null> {
    this.count('category')
    const c = this.categories.find((x) => x.Id === id)
    if (!c) return null
    return { ...c, HasChildren: this.categories.some((x) => x.FatherCategoryId === id) }
  }

  public async categoryTree(levels: number): Promise<VtexCategoryTreeNode[]> {
    this.count('categoryTree')
    const node = (c: VtexCategory, level: number): VtexCategoryTreeNode => {
      const kids = this.categories.filter((x) => x.FatherCategoryId === c.Id && x.IsActive).sort((a, b) => a.Id - b.Id)
      return {
        id: c.Id,
        name: c.Name,
        hasChildren: kids.length > 0,
        children: level < levels ? kids.map((k) => node(k, level + 1)) : [],
      }
    }
    return this.categories
      .filter((c) => c.FatherCategoryId === null && c.IsActive)
      .sort((a, b) => a.Id - b.Id)
      .map((c) => node(c, 1))
  }

  public async fieldsVisibleAt(categoryId: number): Promise<VtexFieldSummary[]> {
    this.count('fieldsVisibleAt')
    if (!this.categories.some((c) => c.Id === categoryId)) return []
    const scopes = new Set<number | null>([null, categoryId])
    if (this.listIncludesInherited) {
      let cursor = this.categories.find((c) => c.Id === categoryId)?.FatherCategoryId ?? null
      while (cursor !== null) {
        scopes.add(cursor)
        cursor = this.categories.find((c) => c.Id === cursor)?.FatherCategoryId ?? null
      }
    }
    const groupIds = new Set(this.groups.filter((g) => scopes.has(g.CategoryId)).map((g) => g.Id))
    return this.fields
      .filter((f) => groupIds.has(f.FieldGroupId))
      .map((f) => ({
        FieldId: f.FieldId,
        Name: f.Name,
        CategoryId: f.CategoryId,
        IsActive: f.IsActive,
        IsStockKeepingUnit: f.IsStockKeepingUnit,
      }))
  }

  public async field(fieldId: number): Promise<VtexField | null> {
    this.count('field')
    return this.fields.find((f) => f.FieldId === fieldId) ?? null
  }

  public async group(groupId: number): Promise<VtexGroup | null> {
    this.count('group')
    return this.groups.find((g) => g.Id === groupId) ?? null
  }

  public async fieldValues(fieldId: number): Promise<VtexFieldValue[]> {
    this.count('fieldValues')
    return this.values
      .filter((v) => v.FieldId === fieldId)
      .map(({ FieldValueId, Value, IsActive, Position }) => ({ FieldValueId, Value, IsActive, Position }))
  }

  private count(method: string): void {
    if (this.failWith !== null) {
      throw Object.assign(new Error(`Request failed with status code ${this.failWith}`), {
        response: { status: this.failWith },
      })
    }
    this.calls[method] = (this.calls[method] ?? 0) + 1
  }
}

const category = (Id: number, Name: string, FatherCategoryId: number | null, IsActive = true): VtexCategory => ({
  Id,
  Name,
  FatherCategoryId,
  IsActive,
})

const field = (
  FieldId: number,
  Name: string,
  FieldGroupId: number,
  CategoryId: number | null,
  FieldTypeId: number,
  extra: Partial<VtexField> = {}
): VtexField => ({
  FieldId,
  Name,
  FieldGroupId,
  CategoryId,
  FieldTypeId,
  Position: 0,
  IsActive: true,
  IsRequired: false,
  IsFilter: false,
  IsStockKeepingUnit: false,
  ...extra,
})

/**
 * The catalog the unit tests share:
 *
 * ```
 * root level   group 1 "General"        field 10 "Origin" (text)
 * 1 Clothing   group 2 "Clothing specs" field 20 "Material" (text), 21 "Size" (combo, SKU: S, M, XL inactive),
 *                                       22 "Legacy" (inactive)
 *   2 Shirts   group 3 "Shirt specs"    field 30 "Sleeve" (radio: Short, Long)
 *     3 T-Shirts (leaf)
 * 4 Shoes      group 4 "Shoe specs"     field 40 "Shoe size" (combo, SKU: 40, 41)
 * 5 Archive (inactive department)
 * ```
 */
export function demoCatalog(listIncludesInherited = false): FakeCatalog {
  return new FakeCatalog(
    [
      category(1, 'Clothing', null),
      category(2, 'Shirts', 1),
      category(3, 'T-Shirts', 2),
      category(4, 'Shoes', null),
      category(5, 'Archive', null, false),
    ],
    [
      { Id: 1, Name: 'General', CategoryId: null, Position: 0 },
      { Id: 2, Name: 'Clothing specs', CategoryId: 1, Position: 0 },
      { Id: 3, Name: 'Shirt specs', CategoryId: 2, Position: 0 },
      { Id: 4, Name: 'Shoe specs', CategoryId: 4, Position: 0 },
    ],
    [
      field(10, 'Origin', 1, null, 1),
      field(20, 'Material', 2, 1, 1, { Position: 1, IsRequired: true }),
      field(21, 'Size', 2, 1, 5, { Position: 2, IsStockKeepingUnit: true, IsFilter: true }),
      field(22, 'Legacy', 2, 1, 1, { Position: 3, IsActive: false }),
      field(30, 'Sleeve', 3, 2, 6),
      field(40, 'Shoe size', 4, 4, 5, { IsStockKeepingUnit: true }),
    ],
    [
      { FieldValueId: 211, FieldId: 21, Value: 'M', IsActive: true, Position: 2 },
      { FieldValueId: 210, FieldId: 21, Value: 'S', IsActive: true, Position: 1 },
      { FieldValueId: 212, FieldId: 21, Value: 'XL', IsActive: false, Position: 3 },
      { FieldValueId: 300, FieldId: 30, Value: 'Short', IsActive: true, Position: 1 },
      { FieldValueId: 301, FieldId: 30, Value: 'Long', IsActive: true, Position: 2 },
      { FieldValueId: 400, FieldId: 40, Value: '40', IsActive: true, Position: 1 },
      { FieldValueId: 401, FieldId: 40, Value: '41', IsActive: true, Position: 2 },
    ],
    listIncludesInherited
  )
}
