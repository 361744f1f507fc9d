/**
 * An in-memory VTEX Catalog for the import executor: the calls of ImportTarget in VTEX's shapes,
 * with counted writes and injectable faults (a 429 or 5xx answered before any effect, as VTEX
 * and ponte-sim do), and hooks to run code around a call (to "crash" a runner mid-step).
 */
import type {
  ImportTarget,
  VtexBrand,
  VtexBrandSummary,
  VtexKitComponent,
  VtexProduct,
  VtexProductSpecification,
  VtexProductTradePolicy,
  VtexSku,
  VtexSkuFile,
  VtexSkuSpecification,
} from '../clients/catalogImport'
import type { VtexCategory, VtexCategoryTreeNode, VtexField, VtexFieldSummary, VtexFieldValue, VtexGroup } from '../clients/catalog'

export interface Fault {
  /** The method that answers with the fault; any method when absent. */
  method?: string
  status: number
  retryAfter?: string
}

export class HttpError extends Error {
  public readonly response: { status: number; headers: Record<string, string>; data: unknown }
  constructor(status: number, headers: Record<string, string> = {}, data: unknown = null) {
    super(`Request failed with status code ${status}`)
    this.response = { status, headers, data }
  }
}

type Body = Record<string, unknown>

export class FakeImportTarget implements ImportTarget {
  public categories = new Map<number, VtexCategory>()
  public brandsById = new Map<number, VtexBrand>()
  public groups = new Map<number, VtexGroup>()
  public fields = new Map<number, VtexField>()
  public values = new Map<number, VtexFieldValue & { FieldId: number }>()
  public products = new Map<number, VtexProduct>()
  public skus = new Map<number, VtexSku>()
  public eans = new Map<number, string[]>()
  public productSpecs = new Map<number, VtexProductSpecification>()
  public skuSpecs = new Map<number, VtexSkuSpecification>()
  public files = new Map<number, VtexSkuFile>()
  public links: VtexProductTradePolicy[] = []
  public kits: VtexKitComponent[] = []

  /** Accepted writes per method. */
  public readonly writes: Record<string, number> = {}
  /** Every call, in order, with the time of the clock given. */
  public readonly log: Array<{ method: string; at: number }> = []
  public faults: Fault[] = []
  /** Runs before a call's effect; may throw or never resolve. */
  public before?: (method: string, args: unknown[]) => Promise<void> | void
  /** Runs after a call's effect, before its answer; may throw or never resolve. */
  public after?: (method: string, args: unknown[]) => Promise<void> | void
  public now: () => number = () => Date.now()
  private seq = 100

  private async call<T>(method: string, args: unknown[], effect: () => T, write = false): Promise<T> {
    this.log.push({ method, at: this.now() })
    await this.before?.(method, args)
    const i = this.faults.findIndex((f) => f.method === undefined || f.method === method)
    if (i >= 0) {
      const [f] = this.faults.splice(i, 1)
      throw new HttpError(f.status, f.retryAfter !== undefined ? { 'Retry-After': f.retryAfter } : {})
    }
    const out = effect()
    if (write) this.writes[method] = (this.writes[method] ?? 0) + 1
    await this.after?.(method, args)
    return JSON.parse(JSON.stringify(out ?? null)) as T
  }

  private next(): number {
    return ++this.seq
  }

  // Reads

  public category(id: number) {
    return this.call('category', [id], () => {
      const c = this.categories.get(id)
      return c ? { ...c, HasChildren: [...this.categories.values()].some((x) => x.FatherCategoryId === id) } : null
    })
  }

  public categoryTree(_levels: number): Promise<VtexCategoryTreeNode[]> {
    return this.call('categoryTree', [], () => {
      const node = (c: VtexCategory): VtexCategoryTreeNode => {
        const kids = [...this.categories.values()].filter((x) => x.FatherCategoryId === c.Id && x.IsActive)
        return { id: c.Id, name: c.Name, hasChildren: kids.length > 0, children: kids.map(node) }
      }
      return [...this.categories.values()].filter((c) => c.FatherCategoryId === null && c.IsActive).map(node)
    })
  }

  public fieldsVisibleAt(categoryId: number): Promise<VtexFieldSummary[]> {
    return this.call('fieldsVisibleAt', [categoryId], () => {
      const chain = new Set<number | null>([null])
      let cursor: number | null = categoryId
      while (cursor !== null) {
        chain.add(cursor)
        cursor = this.categories.get(cursor)?.FatherCategoryId ?? null
      }
      return [...this.fields.values()]
        .filter((f) => chain.has(this.groups.get(f.FieldGroupId)?.CategoryId ?? null))
        .map((f) => ({ FieldId: f.FieldId, Name: f.Name, CategoryId: f.CategoryId, IsActive: f.IsActive, IsStockKeepingUnit: f.IsStockKeepingUnit }))
    })
  }

  public field(id: number) {
    return this.call('field', [id], () => this.fields.get(id) ?? null)
  }

  public group(id: number) {
    return this.call('group', [id], () => this.groups.get(id) ?? null)
  }

  public fieldValues(fieldId: number): Promise<VtexFieldValue[]> {
    return this.call('fieldValues', [fieldId], () => [...this.values.values()].filter((v) => v.FieldId === fieldId))
  }

  public brands(): Promise<VtexBrandSummary[]> {
    return this.call('brands', [], () => [...this.brandsById.values()].map((b) => ({ id: b.Id, name: b.Name, isActive: b.Active })))
  }

  public brand(id: number) {
    return this.call('brand', [id], () => this.brandsById.get(id) ?? null)
  }

  public groupsOfCategory(categoryId: number) {
    return this.call('groupsOfCategory', [categoryId], () => [...this.groups.values()].filter((g) => g.CategoryId === categoryId))
  }

  public productByRefId(refId: string) {
    return this.call('productByRefId', [refId], () => {
      const p = [...this.products.values()].find((x) => x.RefId === refId)
      return p ? { ...p, ListStoreId: this.links.filter((l) => l.ProductId === p.Id).map((l) => l.StoreId) } : null
    })
  }

  public product(id: number) {
    return this.call('product', [id], () => this.products.get(id) ?? null)
  }

  public productTradePolicies(productId: number) {
    return this.call('productTradePolicies', [productId], () => this.links.filter((l) => l.ProductId === productId))
  }

  public productSpecifications(productId: number) {
    return this.call('productSpecifications', [productId], () => [...this.productSpecs.values()].filter((s) => s.ProductId === productId))
  }

  public skuIdByRefId(refId: string) {
    return this.call('skuIdByRefId', [refId], () => [...this.skus.values()].find((s) => s.RefId === refId)?.Id ?? null)
  }

  public skuByEan(ean: string) {
    return this.call('skuByEan', [ean], () => {
      for (const [id, list] of this.eans) if (list.includes(ean)) return { Id: id }
      return null
    })
  }

  public sku(id: number) {
    return this.call('sku', [id], () => this.skus.get(id) ?? null)
  }

  public skuEans(skuId: number) {
    return this.call('skuEans', [skuId], () => this.eans.get(skuId) ?? [])
  }

  public skuSpecifications(skuId: number) {
    return this.call('skuSpecifications', [skuId], () => [...this.skuSpecs.values()].filter((s) => s.SkuId === skuId))
  }

  public skuFiles(skuId: number) {
    return this.call('skuFiles', [skuId], () => [...this.files.values()].filter((f) => f.SkuId === skuId))
  }

  public kitComponents(kitSkuId: number) {
    return this.call('kitComponents', [kitSkuId], () => this.kits.filter((k) => k.StockKeepingUnitParent === kitSkuId))
  }

  // Writes

  public createBrand(body: Body) {
    return this.call(
      'createBrand',
      [body],
      () => {
        const b: VtexBrand = { Id: this.next(), Name: String(body.Name), Active: body.Active !== false, LinkId: (body.LinkId as string) ?? null }
        this.brandsById.set(b.Id, b)
        return b
      },
      true
    )
  }

  public updateBrand(id: number, body: Body) {
    return this.call('updateBrand', [id, body], () => this.brandsById.set(id, { ...(body as VtexBrand), Id: id }), true)
  }

  public createCategory(body: Body) {
    return this.call(
      'createCategory',
      [body],
      () => {
        const father = (body.FatherCategoryId as number | null) ?? null
        if (father !== null && !this.categories.has(father)) throw new HttpError(400, {}, 'unknown father')
        const c: VtexCategory = { Id: this.next(), Name: String(body.Name), FatherCategoryId: father, IsActive: body.IsActive !== false }
        this.categories.set(c.Id, c)
        return c
      },
      true
    )
  }

  public updateCategory(id: number, body: Body) {
    return this.call('updateCategory', [id, body], () => this.categories.set(id, { ...(body as unknown as VtexCategory), Id: id }), true)
  }

  public createGroup(body: Body) {
    return this.call(
      'createGroup',
      [body],
      () => {
        const g: VtexGroup = { Id: this.next(), Name: String(body.Name), CategoryId: (body.CategoryId as number | null) ?? null, Position: Number(body.Position ?? 0) }
        this.groups.set(g.Id, g)
        return g
      },
      true
    )
  }

  public updateGroup(id: number, body: Body) {
    return this.call('updateGroup', [id, body], () => this.groups.set(id, { ...(body as unknown as VtexGroup), Id: id }), true)
  }

  public createField(body: Body) {
    return this.call(
      'createField',
      [body],
      () => {
        if (body.IsStockKeepingUnit && ![5, 6].includes(Number(body.FieldTypeId))) throw new HttpError(400, {}, 'Sku Field can be only of the Radio or Combo type')
        const f: VtexField = {
          FieldId: this.next(),
          Name: String(body.Name),
          CategoryId: (body.CategoryId as number | null) ?? null,
          FieldGroupId: Number(body.FieldGroupId),
          FieldTypeId: Number(body.FieldTypeId),
          Position: Number(body.Position ?? 0),
          IsActive: body.IsActive !== false,
          IsRequired: Boolean(body.IsRequired),
          IsFilter: Boolean(body.IsFilter),
          IsStockKeepingUnit: Boolean(body.IsStockKeepingUnit),
        }
        this.fields.set(f.FieldId, f)
        return { Id: f.FieldId }
      },
      true
    )
  }

  public updateField(id: number, body: Body) {
    return this.call('updateField', [id, body], () => this.fields.set(id, { ...(this.fields.get(id) as VtexField), ...(body as object) }), true)
  }

  public createValue(body: Body) {
    return this.call(
      'createValue',
      [body],
      () => {
        const v = { FieldValueId: this.next(), FieldId: Number(body.FieldId), Value: String(body.Name), IsActive: body.IsActive !== false, Position: Number(body.Position ?? 0) }
        this.values.set(v.FieldValueId, v)
        return { FieldValueId: v.FieldValueId }
      },
      true
    )
  }

  public updateValue(id: number, body: Body) {
    return this.call('updateValue', [id, body], () => undefined, true)
  }

  public createProduct(body: Body) {
    return this.call(
      'createProduct',
      [body],
      () => {
        if (body.RefId && [...this.products.values()].some((p) => p.RefId === body.RefId)) throw new HttpError(400, {}, 'RefId exists')
        if (!this.categories.has(Number(body.CategoryId))) throw new HttpError(400, {}, 'unknown category')
        if (!this.brandsById.has(Number(body.BrandId))) throw new HttpError(400, {}, 'unknown brand')
        const p = { ...(body as object), Id: this.next() } as VtexProduct
        this.products.set(p.Id, p)
        return p
      },
      true
    )
  }

  public updateProduct(id: number, body: Body) {
    return this.call('updateProduct', [id, body], () => this.products.set(id, { ...(body as VtexProduct), Id: id }), true)
  }

  public linkTradePolicy(productId: number, tradePolicyId: number) {
    return this.call(
      'linkTradePolicy',
      [productId, tradePolicyId],
      () => {
        if (!this.links.some((l) => l.ProductId === productId && l.StoreId === tradePolicyId)) this.links.push({ ProductId: productId, StoreId: tradePolicyId })
      },
      true
    )
  }

  public addProductSpecification(productId: number, body: Body) {
    return this.call(
      'addProductSpecification',
      [productId, body],
      () => {
        const s: VtexProductSpecification = {
          Id: this.next(),
          ProductId: productId,
          FieldId: Number(body.FieldId),
          FieldValueId: (body.FieldValueId as number | undefined) ?? null,
          Text: (body.Text as string | undefined) ?? null,
        }
        this.productSpecs.set(s.Id, s)
        return s
      },
      true
    )
  }

  /** As VTEX documents it: a row id for a text field; a field id for a field with predefined values (its row ids: 404). */
  public deleteProductSpecification(productId: number, specificationId: number) {
    return this.call(
      'deleteProductSpecification',
      [specificationId],
      () => {
        const rows = [...this.productSpecs.values()].filter((s) => s.ProductId === productId)
        const listed = rows.filter((s) => s.FieldValueId !== null && s.FieldId === specificationId)
        const text = rows.find((s) => s.FieldValueId === null && s.Id === specificationId)
        if (listed.length === 0 && !text) throw new HttpError(404, {}, 'no such product specification')
        for (const s of [...listed, ...(text ? [text] : [])]) this.productSpecs.delete(s.Id)
      },
      true
    )
  }

  public createSku(body: Body) {
    return this.call(
      'createSku',
      [body],
      () => {
        if (body.IsActive === true) throw new HttpError(400, {}, 'an SKU cannot be created active')
        if (!this.products.has(Number(body.ProductId))) throw new HttpError(400, {}, 'unknown product')
        if (body.RefId && [...this.skus.values()].some((s) => s.RefId === body.RefId)) throw new HttpError(400, {}, 'RefId exists')
        const s = { ...(body as object), Id: this.next(), IsActive: false } as VtexSku
        this.skus.set(s.Id, s)
        return s
      },
      true
    )
  }

  public updateSku(id: number, body: Body) {
    return this.call(
      'updateSku',
      [id, body],
      () => {
        if (body.IsActive === true && !this.skus.get(id)?.IsActive) {
          const files = [...this.files.values()].filter((f) => f.SkuId === id)
          if (files.length === 0) throw new HttpError(400, {}, 'activation refused: no image')
        }
        this.skus.set(id, { ...(body as VtexSku), Id: id })
      },
      true
    )
  }

  public addSkuEan(skuId: number, ean: string) {
    return this.call('addSkuEan', [skuId, ean], () => this.eans.set(skuId, [...(this.eans.get(skuId) ?? []), ean]), true)
  }

  public addSkuSpecification(skuId: number, body: Body) {
    return this.call(
      'addSkuSpecification',
      [skuId, body],
      () => {
        const s: VtexSkuSpecification = { Id: this.next(), SkuId: skuId, FieldId: Number(body.FieldId), FieldValueId: Number(body.FieldValueId) }
        this.skuSpecs.set(s.Id, s)
        return s
      },
      true
    )
  }

  public updateSkuSpecification(skuId: number, body: Body) {
    return this.call(
      'updateSkuSpecification',
      [skuId, body],
      () => this.skuSpecs.set(Number(body.Id), { Id: Number(body.Id), SkuId: skuId, FieldId: Number(body.FieldId), FieldValueId: Number(body.FieldValueId) }),
      true
    )
  }

  public addSkuFile(skuId: number, body: Body) {
    return this.call(
      'addSkuFile',
      [skuId, body],
      () => {
        const f: VtexSkuFile = { Id: this.next(), SkuId: skuId, Name: String(body.Name), Url: body.Url as string, IsMain: Boolean(body.IsMain), Position: Number(body.Position ?? 0) }
        this.files.set(f.Id, f)
        return [f]
      },
      true
    )
  }

  public updateSkuFile(skuId: number, fileId: number, body: Body) {
    return this.call('updateSkuFile', [skuId, fileId, body], () => undefined, true)
  }

  public addKitComponent(body: Body) {
    return this.call(
      'addKitComponent',
      [body],
      () => {
        this.kits.push({
          StockKeepingUnitParent: Number(body.StockKeepingUnitParent),
          StockKeepingUnitId: Number(body.StockKeepingUnitId),
          Quantity: Number(body.Quantity),
        })
      },
      true
    )
  }
}
