/**
 * A dry run (`validateCatalogBatch`): reads the part of the catalog the batch touches, as a job
 * would, and asks the core what importing the batch would do, or every error in it.
 */
import { vtexRequestFailed } from '../lib/errors'
import { DEFAULT_RETRY } from '../lib/retry'
import { Throttle, zeroCounters } from '../lib/throttle'
import type { ImportBatch, ValidateBatchResponse } from './core'
import { validateCatalogBatch } from './core'
import type { JobOptions } from './job'
import { readCatalogState } from './read'
import type { ImportDeps } from './runner'

export async function validateBatch(deps: Pick<ImportDeps, 'target'>, batch: ImportBatch, options: JobOptions): Promise<ValidateBatchResponse> {
  let current
  try {
    current = await readCatalogState(deps.target, new Throttle(zeroCounters()), batch, {
      concurrency: options.runner.concurrency,
      retry: { ...DEFAULT_RETRY, maxAttempts: options.runner.maxAttempts },
    })
  } catch (e) {
    throw vtexRequestFailed(e, 'reading the catalog')
  }
  return validateCatalogBatch(current, batch, options.plan)
}
