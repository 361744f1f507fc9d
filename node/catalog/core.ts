/**
 * The typed facade over ponte-core's catalog operations (WebAssembly). Like every `core.ts`, one
 * of the only modules that import the generated bindings: the rest of the service sees plain
 * functions whose failures are PonteErrors carrying the core's stable code (lib/core.ts).
 */
import * as core from '../generated/ponte_wasm'
import type {
  CatalogSnapshot,
  CategoryNode,
  EffectiveSpecifications,
  MoveImpact,
} from '../generated/ponte_wasm'
import { callCore } from '../lib/core'

export type {
  CatalogSnapshot, Category, CategoryNode, EffectiveField, EffectiveSpecifications, MoveImpact,
  Origin, PathEntry, SpecificationField, SpecificationGroup, SpecificationValue
} from '../generated/ponte_wasm'

/** How many levels the core accepts (ponte-core `MAX_DEPTH`); also how deep Ponte reads the tree. */
export const MAX_DEPTH = 32

/** Own, inherited and root-level active specifications of a category. */
export function effectiveSpecifications(catalog: CatalogSnapshot, categoryId: number): EffectiveSpecifications {
  return callCore(() => core.effective_specifications({ catalog, categoryId }))
}

/** Departments by ascending id, each with its descendants. */
export function categoryTree(catalog: CatalogSnapshot): CategoryNode[] {
  return callCore(() => core.category_tree({ catalog }))
}

/** What moving `categoryId` under `newFatherCategoryId` (null: to the top) would change. */
export function moveImpact(
  catalog: CatalogSnapshot,
  categoryId: number,
  newFatherCategoryId: number | null
): MoveImpact {
  return callCore(() => core.move_impact({ catalog, categoryId, newFatherCategoryId }))
}
