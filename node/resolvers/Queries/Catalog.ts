import type { Context } from '../../clients'
import { readCategory, readMove, readSpecifications, readTree, pathIds, SnapshotBuilder } from '../../catalog/reads'
import type { CategoryNode, EffectiveField, MoveImpact, PathEntry } from '../../catalog/core'
import { categoryTree, effectiveSpecifications, moveImpact } from '../../catalog/core'
import { parseId, parseOptionalId } from '../scalars'

/** What `Query.category` returns: the GraphQL `Category` fields, plus what was read to answer them. */
export interface CategoryResult {
  id: number
  name: string
  isActive: boolean
  isLeaf: boolean
  path: PathEntry[]
  /** The category's chain as read; `Category.effectiveSpecifications` adds the fields to it. */
  read: SnapshotBuilder
}

export interface EffectiveSpecificationsResult {
  productFields: EffectiveField[]
  skuFields: EffectiveField[]
}

export const catalogQueries = {
  categoryTree: async (_root: unknown, _args: unknown, ctx: Context): Promise<CategoryNode[]> => {
    const categories = await readTree(ctx.clients.catalog)
    return categoryTree({ categories, groups: [], fields: [], values: [] })
  },

  category: async (_root: unknown, args: { id: unknown }, ctx: Context): Promise<CategoryResult> => {
    const id = parseId(args.id, 'id')
    const read = await readCategory(ctx.clients.catalog, id)
    // The chain alone answers name, path and leafness (and CATEGORY_NOT_FOUND); fields are read
    // only when the query asks for them.
    const specs = effectiveSpecifications(read.snapshot(), id)
    const self = specs.path[specs.path.length - 1]
    return { id, name: specs.name, isActive: self.isActive, isLeaf: specs.isLeaf, path: specs.path, read }
  },

  categoryMoveImpact: async (
    _root: unknown,
    args: { id: unknown; newFatherId?: unknown },
    ctx: Context
  ): Promise<MoveImpact> => {
    const id = parseId(args.id, 'id')
    const newFatherId = parseOptionalId(args.newFatherId, 'newFatherId')
    const read = await readMove(ctx.clients.catalog, id, newFatherId)
    return moveImpact(read.snapshot(), id, newFatherId)
  },
}

export const categoryFields = {
  effectiveSpecifications: async (
    parent: CategoryResult,
    _args: unknown,
    ctx: Context
  ): Promise<EffectiveSpecificationsResult> => {
    await readSpecifications(ctx.clients.catalog, pathIds(parent.id, parent.read), parent.read)
    const specs = effectiveSpecifications(parent.read.snapshot(), parent.id)
    return { productFields: specs.productFields, skuFields: specs.skuFields }
  },
}
