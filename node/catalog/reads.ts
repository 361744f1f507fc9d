/**
 * Reads the part of the VTEX catalog an operation needs, as a ponte-core CatalogSnapshot.
 *
 * The core decides everything (not found, cycles, inheritance); these functions only fetch.
 * A category VTEX answers 404 for is simply absent from the snapshot, so the core reports it
 * with its own code (CATEGORY_NOT_FOUND, CATEGORY_FATHER_NOT_FOUND).
 */
import type { CatalogSource, VtexCategory } from '../clients/catalog'
import { toCategory, toField, toGroup, toValue, treeToCategories } from '../clients/catalog'
import type {
  CatalogSnapshot,
  Category,
  SpecificationField,
  SpecificationGroup,
  SpecificationValue,
} from './core'
import { MAX_DEPTH, typesWithValues } from './core'
import { PonteError, vtexRequestFailed } from '../lib/errors'

/** Entities read so far, by id; the first copy read wins. */
export class SnapshotBuilder {
  public readonly categories = new Map<number, Category>()
  public readonly groups = new Map<number, SpecificationGroup>()
  public readonly fields = new Map<number, SpecificationField>()
  public readonly values = new Map<number, SpecificationValue>()

  public addCategory(c: Category): void {
    if (!this.categories.has(c.id)) this.categories.set(c.id, c)
  }

  public snapshot(): CatalogSnapshot {
    return {
      categories: [...this.categories.values()],
      groups: [...this.groups.values()],
      fields: [...this.fields.values()],
      values: [...this.values.values()],
    }
  }
}

/**
 * Reads `id` and its ancestors (walking `FatherCategoryId`) into `into`. Stops at a category
 * already read, so a cycle in VTEX's data ends the walk and the core reports it.
 */
export async function readChain(src: CatalogSource, id: number, into: SnapshotBuilder): Promise<void> {
  let cursor: number | null = id
  let read = 0
  while (cursor !== null && !into.categories.has(cursor)) {
    if (read > MAX_DEPTH) {
      throw new PonteError('CATEGORY_TOO_DEEP', `category ${id} sits more than ${MAX_DEPTH} levels deep; at most ${MAX_DEPTH} levels are supported`)
    }
    const vtex: VtexCategory | null = await vtexCall(`category ${cursor}`, src.category(cursor))
    if (vtex === null) return
    into.addCategory(toCategory(vtex))
    read += 1
    cursor = vtex.FatherCategoryId ?? null
  }
}

/** The ids from the department down to `id`, as far as they were read (empty if `id` was not). */
export function pathIds(id: number, from: SnapshotBuilder): number[] {
  const path: number[] = []
  const seen = new Set<number>()
  let cursor: number | null = id
  while (cursor !== null && !seen.has(cursor)) {
    const category = from.categories.get(cursor)
    if (!category) break
    seen.add(cursor)
    path.push(cursor)
    cursor = category.fatherCategoryId ?? null
  }
  return path.reverse()
}

/**
 * Reads the active specification fields visible at the given categories, with their groups and
 * values. Each category is asked separately (in parallel): VTEX documents `listTreeByCategoryId`
 * as the category's own plus root-level fields, so asking every level of a path also covers
 * what is inherited, whichever way a given platform reads that endpoint.
 */
export async function readSpecifications(src: CatalogSource, categoryIds: number[], into: SnapshotBuilder): Promise<void> {
  const lists = await Promise.all(
    categoryIds.map((id) => vtexCall(`specification fields of category ${id}`, src.fieldsVisibleAt(id)))
  )
  const fieldIds = [...new Set(lists.flat().filter((f) => f.IsActive).map((f) => f.FieldId))].filter(
    (id) => !into.fields.has(id)
  )
  const fields = (
    await Promise.all(fieldIds.map((id) => vtexCall(`specification field ${id}`, src.field(id))))
  ).filter((f): f is NonNullable<typeof f> => f !== null && f.IsActive)

  const groupIds = [...new Set(fields.map((f) => f.FieldGroupId))].filter((id) => !into.groups.has(id))
  const groups = await Promise.all(groupIds.map((id) => vtexCall(`specification group ${id}`, src.group(id))))
  for (const g of groups) {
    // A group on a category outside what was read cannot apply here; leave it (and its fields) out.
    if (g !== null && (g.CategoryId === null || into.categories.has(g.CategoryId))) {
      into.groups.set(g.Id, toGroup(g))
    }
  }

  const visible = fields.filter((f) => into.groups.has(f.FieldGroupId))
  for (const f of visible) into.fields.set(f.FieldId, toField(f))

  const withValues = visible.filter((f) => typesWithValues().has(f.FieldTypeId))
  const valueLists = await Promise.all(
    withValues.map((f) => vtexCall(`values of specification field ${f.FieldId}`, src.fieldValues(f.FieldId)))
  )
  withValues.forEach((f, i) => {
    for (const v of valueLists[i]) into.values.set(v.FieldValueId, toValue(f.FieldId, v))
  })
}

/** The whole category tree, as deep as the core accepts. */
export async function readTree(src: CatalogSource): Promise<Category[]> {
  return treeToCategories(await vtexCall('category tree', src.categoryTree(MAX_DEPTH)))
}

/**
 * What `category(id)` needs: the category and its ancestors, from the public category tree
 * (`category` is a public field, so it reads public data only: VTEX's tree lists the active
 * categories under active fathers; an inactive one, or one under an inactive father, is not
 * found).
 */
export async function readCategory(src: CatalogSource, id: number): Promise<SnapshotBuilder> {
  const builder = new SnapshotBuilder()
  const tree = new Map((await readTree(src)).map((c) => [c.id, c]))
  let cursor: number | null = id
  while (cursor !== null && !builder.categories.has(cursor)) {
    const category = tree.get(cursor)
    if (!category) break
    builder.addCategory(category)
    cursor = category.fatherCategoryId ?? null
  }
  return builder
}

/**
 * What `categoryMoveImpact` needs: the category's chain and subtree, the new father's chain,
 * and the fields visible along both paths.
 */
export async function readMove(src: CatalogSource, id: number, newFatherId: number | null): Promise<SnapshotBuilder> {
  const builder = new SnapshotBuilder()
  await readChain(src, id, builder)
  if (!builder.categories.has(id)) return builder
  if (newFatherId !== null) await readChain(src, newFatherId, builder)
  // The subtree (affected categories, depth after the move) comes from the tree: VTEX has no
  // "children of" endpoint. Categories already read keep their pvt copy.
  const tree = await readTree(src)
  const below = descendants(id, tree)
  for (const c of tree) if (below.has(c.id)) builder.addCategory(c)

  const paths = new Set([...pathIds(id, builder), ...(newFatherId === null ? [] : pathIds(newFatherId, builder))])
  await readSpecifications(src, [...paths], builder)
  return builder
}

function descendants(id: number, tree: Category[]): Set<number> {
  const children = new Map<number, number[]>()
  for (const c of tree) {
    if (c.fatherCategoryId != null) {
      const list = children.get(c.fatherCategoryId) ?? []
      list.push(c.id)
      children.set(c.fatherCategoryId, list)
    }
  }
  const out = new Set<number>()
  const stack = [...(children.get(id) ?? [])]
  while (stack.length > 0) {
    const next = stack.pop() as number
    if (out.has(next) || next === id) continue
    out.add(next)
    stack.push(...(children.get(next) ?? []))
  }
  return out
}

/** Awaits a VTEX call, turning a transport or HTTP failure into a coded error. */
async function vtexCall<T>(what: string, call: Promise<T>): Promise<T> {
  try {
    return await call
  } catch (e) {
    throw vtexRequestFailed(e, `reading ${what} from the VTEX Catalog`)
  }
}
