/**
 * Reads the part of the VTEX catalog a batch touches into a ponte-core `CatalogState`. What to
 * read is the core's decision (`importReads`, crates/core/src/catalog/import/reads.rs), asked
 * round by round as the state fills; this module only performs the reads and converts VTEX's
 * answers:
 *
 * 1. the category tree (active ones, as deep as the core goes) and the brand list; then the
 *    brands the core names in full (the list has no `LinkId`), the products it names by RefId
 *    (with their trade policies and specifications) and the SKUs by RefId and by EAN (with their
 *    EANs, specifications, images and, for kits, components);
 * 2. the categories the core says are missing (the chain above an existing product in an
 *    inactive placeholder, which the tree leaves out), until it asks nothing new;
 * 3. the specification groups of the categories the core names and the fields visible at
 *    them, the groups of those fields it says are missing; then the groups and fields it says
 *    cannot apply are left out and the values of the fields it names are read.
 *
 * Every call goes through the job's throttle (429 waits for Retry-After, 5xx retried with backoff).
 */
import type { ImportTarget } from '../clients/catalogImport'
import { toCategory, toField, toGroup, toValue, treeToCategories } from '../clients/catalog'
import { MAX_DEPTH } from '../catalog/core'
import type { CatalogState, ImportBatch, ImportReads, Sku } from './core'
import { emptyState, importReads } from './core'
import type { RetryPolicy } from '../lib/retry'
import type { Throttle } from '../lib/throttle'
import { mapLimit } from '../lib/queue'
import { toProduct, toSku } from './vtex'

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
  // The core decides from the lists it looks at; the rest of the state need not cross over.
  const ask = (): ImportReads =>
    importReads(batch, {
      ...emptyState(),
      categories: state.categories,
      brands: state.brands,
      products: state.products,
      groups: state.groups,
      fields: state.fields,
    })
  // A batch the core cannot read fails here, before any call to VTEX.
  ask()

  // 1. The tree, the brand list, then what the batch names.
  state.categories = treeToCategories(await call(() => target.categoryTree(MAX_DEPTH)))
  state.brands = (await call(() => target.brands())).map((b) => ({ id: b.id, name: b.name, isActive: b.isActive, linkId: null }))
  let reads = ask()
  const full = await mapLimit(reads.brandIds, limit, (id) => call(() => target.brand(id)).catch(() => null))
  const fullById = new Map(reads.brandIds.map((id, i) => [id, full[i]]))
  state.brands = state.brands.map((b) => {
    const f = fullById.get(b.id)
    return f ? { id: b.id, name: f.Name ?? b.name, isActive: f.Active ?? b.isActive, linkId: f.LinkId ?? null } : b
  })

  const found = await mapLimit(reads.productRefIds, limit, (refId) => call(() => target.productByRefId(refId)))
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

  const skuIds = await mapLimit(reads.skus, limit, async (s) =>
    s.by === 'refId' ? call(() => target.skuIdByRefId(s.refId)) : ((await call(() => target.skuByEan(s.ean)))?.Id ?? null)
  )
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

  // 2. The categories above existing products that the tree left out (asked again until
  // nothing new is asked: a category VTEX does not find stays missing).
  const asked = new Set<number>()
  for (;;) {
    const missing = ask().missingCategories.filter((id) => !asked.has(id))
    if (missing.length === 0) break
    for (const id of missing) asked.add(id)
    for (const vtex of await mapLimit(missing, limit, (id) => call(() => target.category(id)))) {
      if (vtex) state.categories.push(toCategory(vtex))
    }
  }

  // 3. Specifications of the categories the batch leads through.
  reads = ask()
  const groups = new Map<number, ReturnType<typeof toGroup>>()
  const fieldIds = new Set<number>()
  await mapLimit(reads.specificationCategories, limit, async (id) => {
    const [own, visible] = await Promise.all([call(() => target.groupsOfCategory(id)), call(() => target.fieldsVisibleAt(id))])
    for (const g of own) groups.set(g.Id, toGroup(g))
    for (const f of visible) fieldIds.add(f.FieldId)
  })
  const fields = await mapLimit([...fieldIds], limit, (id) => call(() => target.field(id)))
  state.groups = [...groups.values()]
  state.fields = fields.filter((f): f is NonNullable<typeof f> => f !== null).map(toField)
  reads = ask()
  if (reads.missingGroups.length > 0) {
    for (const g of await mapLimit(reads.missingGroups, limit, (id) => call(() => target.group(id)))) {
      if (g !== null) state.groups.push(toGroup(g))
    }
    reads = ask()
  }
  const outsideGroups = new Set(reads.outsideGroups)
  const outsideFields = new Set(reads.outsideFields)
  state.groups = state.groups.filter((g) => !outsideGroups.has(g.id))
  state.fields = state.fields.filter((f) => !outsideFields.has(f.id))
  const valueLists = await mapLimit(reads.fieldsWithValues, limit, (id) => call(() => target.fieldValues(id)))
  reads.fieldsWithValues.forEach((id, i) => {
    for (const v of valueLists[i]) state.values.push(toValue(id, v))
  })
  return state
}
