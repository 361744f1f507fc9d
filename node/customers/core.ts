/**
 * The typed facade over ponte-core's customers module (WebAssembly): a batch validated before
 * anything is read (every error with its path and code, and the emails and documents to look
 * up in Master Data), the sync plan against what Master Data holds (only the CL and AD writes
 * that change something, each CL before its AD, creates as upserts with Ponte's derived ids),
 * and the canonical form of an email. `docs/vtex/F-customers.md` §F.3–§F.5.
 *
 * Refusals that are data (a batch's errors) come back in the answer; a request the core cannot
 * deserialize throws `CUSTOMER_INPUT_MALFORMED`. The core's messages name paths and codes,
 * never an email, a document or a phone number.
 */
import * as core from '../generated/ponte_wasm'
import type {
  CustomerBatch,
  CustomerState,
  CustomerSyncResponse,
  CustomerWrite,
  ValidateCustomersResponse,
} from '../generated/ponte_wasm'
import { callCoreAs } from '../lib/core'
import { PonteError } from '../lib/errors'

export type {
  AdDocument, Address, ClDocument, CustomerBatch, CustomerError, CustomerItem, CustomerLookups,
  CustomerPlan, CustomerState, CustomerSyncResponse, CustomerWrite, MergePolicy, Profile,
  ValidateCustomersResponse, WrittenCustomer,
} from '../generated/ponte_wasm'

/** A batch or state that does not have the core's shape. */
export const CUSTOMER_INPUT_MALFORMED = 'CUSTOMER_INPUT_MALFORMED'

/** A decoder message without the values it quotes (they may be emails or documents). */
const redact = (message: string) => message.replace(/"(?:[^"\\]|\\.)*"/g, '"…"')

const malformed = (message: string) =>
  new PonteError(CUSTOMER_INPUT_MALFORMED, `customer data does not have the expected shape: ${redact(message)}`)

/**
 * {@link callCoreAs} for this module: the core's `INPUT_INVALID` (the request did not decode)
 * becomes `CUSTOMER_INPUT_MALFORMED` with the quoted values taken out of its message.
 */
const call = callCoreAs(malformed)

/** Every error of a batch with its path, or the lookups planning needs. */
export function validateCustomers(batch: CustomerBatch): ValidateCustomersResponse {
  return call(() => core.validate_customer_batch({ batch }))
}

/** The plan of a sync from the batch and what Master Data holds (and Ponte's record). */
export function planCustomerSync(
  account: string,
  current: CustomerState,
  batch: CustomerBatch
): CustomerSyncResponse {
  return call(() => core.plan_customer_sync({ account, current, batch }))
}

/** An email's canonical form; `CUSTOMER_EMAIL_INVALID` when it is not one. */
export function normalizeEmail(email: string): string {
  return call(() => core.normalize_customer_email({ email })).email
}

/** A Master Data call (§F.2): method, path under the account host, JSON body. */
export interface MasterDataCall {
  method: 'PATCH' | 'DELETE'
  path: string
  body?: Record<string, unknown>
}

/**
 * The Master Data call of a planned write: an upsert is `PATCH /api/dataentities/{ac}/documents`
 * with the id (and an AD's `userId`) in the body (`304 Not Modified` means it is already there:
 * a retry, or another replica's write, and counts as done); a patch `PATCH .../documents/{id}` with the
 * changed fields; a delete `DELETE .../documents/{id}`.
 */
export function masterDataCall(write: CustomerWrite): MasterDataCall {
  const base = `/api/dataentities/${write.entity}/documents`
  const fields: Record<string, unknown> = { ...(write.profile ?? {}), ...(write.address ?? {}) }
  switch (write.method) {
    case 'upsert':
      return {
        method: 'PATCH',
        path: base,
        body: { id: write.id, ...fields, ...(write.userId ? { userId: write.userId } : {}) },
      }
    case 'patch':
      return { method: 'PATCH', path: `${base}/${encodeURIComponent(write.id)}`, body: fields }
    case 'delete':
      return { method: 'DELETE', path: `${base}/${encodeURIComponent(write.id)}` }
  }
}
