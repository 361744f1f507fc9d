/**
 * The typed facade over ponte-core's catalog import (WebAssembly): validating a batch against
 * the current catalog, and planning its import. Both return the core's errors as data (every
 * error at once, each with a path into the batch and a stable code); only a batch that does not
 * even have the batch's shape (a JSON type error) is thrown, as BATCH_MALFORMED.
 */
import * as core from '../generated/ponte_wasm'
import type {
  CatalogState,
  ImportBatch,
  ImportError,
  ImportOptions,
  PlanResponse,
  ValidateBatchResponse,
} from '../generated/ponte_wasm'
import { callCore } from '../lib/core'
import { PonteError } from '../lib/errors'

export type {
  Brand, CatalogState, ImageBody, ImportBatch, ImportError, ImportMode, ImportOptions, ImportPlan,
  Operation, Phase, PlanResponse, PlanStep, PlanSummary, Product, ProductPatch,
  ProductSpecification, Ref, Sku, SkuActivation, SkuImage, SkuPatch, SkuSpecification, StepAction,
  ValidateBatchResponse
} from '../generated/ponte_wasm'

/** The batch is not JSON of the batch's shape (a missing `name`, a string where a list goes...). */
export const BATCH_MALFORMED = 'BATCH_MALFORMED'

/** Input the core cannot deserialize (serde's message names the place). */
const batchMalformed = (message: string) =>
  new PonteError(BATCH_MALFORMED, `the batch or its options do not have the expected shape: ${message}`)

/** VTEX's order (domain.md §C.10); the plan's steps are sorted by it. */
export const PHASES = [
  'CATEGORIES',
  'BRANDS',
  'SPECIFICATION_GROUPS',
  'SPECIFICATION_FIELDS',
  'SPECIFICATION_VALUES',
  'PRODUCTS',
  'PRODUCT_TRADE_POLICIES',
  'SKUS',
  'PRODUCT_SPECIFICATIONS',
  'SKU_SPECIFICATIONS',
  'SKU_IMAGES',
  'KIT_COMPONENTS',
  'ACTIVATION',
] as const

/** Every error in the batch, or what importing it would do. */
export function validateCatalogBatch(current: CatalogState, batch: ImportBatch, options?: ImportOptions): ValidateBatchResponse {
  return callCore(() => core.validate_catalog_batch({ current, batch, options }), { malformed: batchMalformed })
}

/** The ordered, idempotent plan, or every error in the batch (then `plan` is null). */
export function planCatalogImport(current: CatalogState, batch: ImportBatch, options?: ImportOptions): PlanResponse {
  return callCore(() => core.plan_catalog_import({ current, batch, options }), { malformed: batchMalformed })
}

/** An empty catalog state (every list empty). */
export function emptyState(): CatalogState {
  return {
    categories: [],
    groups: [],
    fields: [],
    values: [],
    brands: [],
    products: [],
    skus: [],
    productSpecifications: [],
    skuSpecifications: [],
    skuImages: [],
    kitComponents: [],
    productTradePolicies: [],
    tradePolicies: [],
  }
}

export type { ImportError as CoreImportError }
