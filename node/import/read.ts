/**
 * Reads the part of the VTEX catalog a batch touches into a ponte-core `CatalogState`:
 *
 * - categories: the tree (active ones, as deep as the core goes), plus the chain of every
 *   category an existing batch product sits in (found by `GET .../category/{id}`, so inactive
 *   placeholders are seen too);
 * - brands: the brand list, plus `GET .../brand/{id}` for the brands the batch names (the list
 *   has no `LinkId`);
 * - specification groups, fields (active or not) and values of the categories the batch's
 *   paths lead through, and the root-level ones visible from them;
 * - products and SKUs looked up by the batch's RefIds (SKUs without RefId by EAN), and for those
 *   that exist: trade policies, specifications, EANs, images and kit components.
 *
 * Every call goes through the job's throttle (429 waits for Retry-After, 5xx retried with backoff).
 */
import type { VtexCategory } from '../clients/catalog'
import type { ImportTarget } from '../clients/catalogImport'
import { toCategory, toField, toGroup, toValue, treeToCategories, TYPES_WITH_VALUES } from '../clients/catalog'
import type { Category, SpecificationField } from '../catalog/core'
import { MAX_DEPTH } from '../catalog/core'
import type { CatalogState, ImportBatch, Sku } from './core'
import { emptyState } from './core'
import type { RetryPolicy } from '../lib/retry'
import type { Throttle } from '../lib/throttle'
import { mapLimit } from '../lib/queue'
import { toProduct, toSku } from './vtex'

const fold = (s: string) => s.trim().toLowerCase()

export interface ReadOptions {
  concurrency: number
  retry: RetryPolicy
}

export async function readCatalogState(
  target: ImportTarget,
  throttle: Throttle,
  batch: ImportBatch,
  options: ReadOptions
): Promise<CatalogState> {
  const call = <T>(fn: () => Promise<T>) => throttle.retrying(fn, options.retry)
  const limit = options.concurrency
  const state = emptyState()

  // Categories.
  const categories = new Map<number, Category>()
  for (const c of treeToCategories(await call(() => target.categoryTree(MAX_DEPTH)))) categories.set(c.id, c)

  // Brands.
  const brandList = await call(() => target.brands())
  const named = new Set((batch.brands ?? []).map((b) => fold(b.name)))
  for (const p of batch.products ?? []) if (p.brand) named.add(fold(p.brand))
  state.brands = await mapLimit(brandList, limit, async (b) => {
    if (!named.has(fold(b.name))) return { id: b.id, name: b.name, isActive: b.isActive, linkId: null }
    const full = await call(() => target.brand(b.id)).catch(() => null)
    return { id: b.id, name: full?.Name ?? b.name, isActive: full?.Active ?? b.isActive, linkId: full?.LinkId ?? null }
  })

  // Products by RefId.
  const products = batch.products ?? []
  const found = await mapLimit(products, limit, (p) => call(() => target.productByRefId(p.refId)))
  for (const vtex of found) {
    if (!vtex) continue
    state.products.push(toProduct(vtex))
    const stores = vtex.ListStoreId ?? (await call(() => target.productTradePolicies(vtex.Id))).map((l) => l.StoreId)
    for (const tp of stores) state.productTradePolicies.push({ productId: vtex.Id, tradePolicyId: tp })
  }
  await mapLimit(state.products, limit, async (p) => {
    const specs = await call(() => target.productSpecifications(p.id))
    for (const s of specs) {
      state.productSpecifications.push({ productId: p.id, fieldId: s.FieldId, fieldValueId: s.FieldValueId ?? null, text: s.Text ?? null })
    }
  })
  // Chains of the categories existing products sit in (a placeholder is inactive: not in the tree).
  for (const p of state.products) {
    let cursor: number | null = p.categoryId
    let depth = 0
    while (cursor !== null && !categories.has(cursor) && depth <= MAX_DEPTH) {
      const id: number = cursor
      const vtex: VtexCategory | null = await call(() => target.category(id))
      if (!vtex) break
      categories.set(vtex.Id, toCategory(vtex))
      cursor = vtex.FatherCategoryId ?? null
      depth += 1
    }
  }
  state.categories = [...categories.values()]

  // SKUs by RefId, else EAN.
  const skuInputs = products.flatMap((p) => p.skus ?? [])
  const skuIds = await mapLimit(skuInputs, limit, async (s) => {
    if (s.refId) return call(() => target.skuIdByRefId(s.refId as string))
    if (s.ean) return (await call(() => target.skuByEan(s.ean as string)))?.Id ?? null
    return null
  })
  const unique = [...new Set(skuIds.filter((id): id is number => id !== null))]
  const skus = await mapLimit(unique, limit, async (id): Promise<Sku | null> => {
    const vtex = await call(() => target.sku(id))
    if (!vtex) return null
    const sku = toSku(vtex)
    const [eans, specs, files, kit] = await Promise.all([
      call(() => target.skuEans(id)),
      call(() => target.skuSpecifications(id)),
      call(() => target.skuFiles(id)),
      sku.isKit ? call(() => target.kitComponents(id)) : Promise.resolve([]),
    ])
    if (!sku.ean && eans.length > 0) sku.ean = eans[0]
    for (const s of specs) state.skuSpecifications.push({ skuId: id, fieldId: s.FieldId, fieldValueId: s.FieldValueId })
    for (const f of files) {
      state.skuImages.push({
        id: f.Id,
        skuId: id,
        name: f.Name,
        url: f.Url ?? '',
        isMain: f.IsMain ?? false,
        position: f.Position ?? 0,
        label: f.Label ?? null,
        text: f.Text ?? null,
      })
    }
    for (const k of kit) {
      state.kitComponents.push({ kitSkuId: id, componentSkuId: k.StockKeepingUnitId, quantity: k.Quantity })
    }
    return sku
  })
  state.skus = skus.filter((s): s is Sku => s !== null)

  // Specifications of the categories the batch leads through.
  const relevant = relevantCategories(batch, state.categories, state.products.map((p) => p.categoryId))
  const groups = new Map<number, ReturnType<typeof toGroup>>()
  const fieldIds = new Set<number>()
  await mapLimit(relevant, limit, async (id) => {
    const [own, visible] = await Promise.all([call(() => target.groupsOfCategory(id)), call(() => target.fieldsVisibleAt(id))])
    for (const g of own) groups.set(g.Id, toGroup(g))
    for (const f of visible) fieldIds.add(f.FieldId)
  })
  const fields = (await mapLimit([...fieldIds], limit, (id) => call(() => target.field(id)))).filter(
    (f): f is NonNullable<typeof f> => f !== null
  )
  const missingGroups = [...new Set(fields.map((f) => f.FieldGroupId))].filter((id) => !groups.has(id))
  for (const g of await mapLimit(missingGroups, limit, (id) => call(() => target.group(id)))) {
    if (g !== null) groups.set(g.Id, toGroup(g))
  }
  // A group (and its fields) on a category that was not read cannot apply to the batch.
  const known = (categoryId: number | null | undefined) => categoryId === null || categoryId === undefined || categories.has(categoryId)
  state.groups = [...groups.values()].filter((g) => known(g.categoryId))
  const groupIds = new Set(state.groups.map((g) => g.id))
  const kept: SpecificationField[] = fields.filter((f) => groupIds.has(f.FieldGroupId)).map(toField)
  state.fields = kept
  const withValues = fields.filter((f) => groupIds.has(f.FieldGroupId) && TYPES_WITH_VALUES.has(f.FieldTypeId))
  const valueLists = await mapLimit(withValues, limit, (f) => call(() => target.fieldValues(f.FieldId)))
  withValues.forEach((f, i) => {
    for (const v of valueLists[i]) state.values.push(toValue(f.FieldId, v))
  })
  return state
}

/**
 * The categories whose specifications the plan needs: those on a path the batch names (its
 * categories, its groups' and products' category references, as far as they exist) and those
 * existing products sit in, with their ancestors.
 */
export function relevantCategories(batch: ImportBatch, categories: Category[], productCategories: number[]): number[] {
  const byId = new Map(categories.map((c) => [c.id, c]))
  const pathOf = (id: number): string[] => {
    const names: string[] = []
    let cursor: number | null | undefined = id
    const seen = new Set<number>()
    while (cursor !== null && cursor !== undefined && !seen.has(cursor)) {
      seen.add(cursor)
      const c = byId.get(cursor)
      if (!c) break
      names.unshift(fold(c.name))
      cursor = c.fatherCategoryId
    }
    return names
  }
  // Batch categories' folded paths, by key and by path.
  const batchCats = batch.categories ?? []
  const byKey = new Map(batchCats.filter((c) => c.key).map((c) => [c.key as string, c]))
  const resolving = new Set<unknown>()
  const batchPath = (c: (typeof batchCats)[number]): string[] => {
    if (resolving.has(c)) return []
    resolving.add(c)
    const parent = c.parent ? refPath(c.parent) : []
    resolving.delete(c)
    return [...parent, fold(c.name)]
  }
  const refPath = (ref: { key?: string; path?: string[] }): string[] => {
    if (ref.path) return ref.path.map(fold)
    const c = ref.key !== undefined ? byKey.get(ref.key) : undefined
    return c ? batchPath(c) : []
  }
  const wanted = new Set<string>()
  const want = (path: string[]) => {
    for (let i = 1; i <= path.length; i++) wanted.add(path.slice(0, i).join('\u0000'))
  }
  for (const c of batchCats) want(batchPath(c))
  for (const g of batch.specificationGroups ?? []) if (g.category) want(refPath(g.category))
  for (const p of batch.products ?? []) if (p.category) want(refPath(p.category))

  const out = new Set<number>()
  for (const c of categories) if (wanted.has(pathOf(c.id).join('\u0000'))) out.add(c.id)
  for (const id of productCategories) {
    let cursor: number | null | undefined = id
    while (cursor !== null && cursor !== undefined && !out.has(cursor) && byId.has(cursor)) {
      out.add(cursor)
      cursor = byId.get(cursor)?.fatherCategoryId
    }
  }
  return [...out].sort((a, b) => a - b)
}
