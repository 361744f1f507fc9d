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
  ImportReads,
  Phase,
  PlanResponse,
  ValidateBatchResponse,
} from '../generated/ponte_wasm'
import { callCore } from '../lib/core'
import { PonteError } from '../lib/errors'

export type {
  Brand, CatalogState, ImageBody, ImportBatch, ImportError, ImportMode, ImportOptions, ImportPlan,
  ImportReads, Operation, Phase, PlanResponse, PlanStep, PlanSummary, Product, ProductPatch,
  ProductSpecification, Ref, Sku, SkuLookup, SkuActivation, SkuImage, SkuPatch, SkuSpecification, StepAction,
  ValidateBatchResponse
} from '../generated/ponte_wasm'

/** The batch is not JSON of the batch's shape (a missing `name`, a string where a list goes...). */
export const BATCH_MALFORMED = 'BATCH_MALFORMED'

/** Input the core cannot deserialize (serde's message names the place). */
const batchMalformed = (message: string) =>
  new PonteError(BATCH_MALFORMED, `the batch or its options do not have the expected shape: ${message}`)

let phases: Phase[] | null = null

/** The import's phases in VTEX's order (§C.10), from the core; a plan's steps are sorted by them. */
export function importPhases(): readonly Phase[] {
  phases ??= callCore(() => core.import_phases({}))
  return phases
}

/** Every error in the batch, or what importing it would do. */
export function validateCatalogBatch(current: CatalogState, batch: ImportBatch, options?: ImportOptions): ValidateBatchResponse {
  return callCore(() => core.validate_catalog_batch({ current, batch, options }), { malformed: batchMalformed })
}

/** The ordered, idempotent plan, or every error in the batch (then `plan` is null). */
export function planCatalogImport(current: CatalogState, batch: ImportBatch, options?: ImportOptions): PlanResponse {
  return callCore(() => core.plan_catalog_import({ current, batch, options }), { malformed: batchMalformed })
}

/** What is still to be read from VTEX to plan `batch`, given what `current` holds (read.ts asks it round by round). */
export function importReads(batch: ImportBatch, current: CatalogState): ImportReads {
  return callCore(() => core.import_reads({ batch, current }), { malformed: batchMalformed })
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
