/**
 * The connector's work per call: read the payment's record, ask the core, talk to the ERP,
 * write the record, answer. IO only; every rule is the core's (payments/core.ts).
 *
 * - Create (`POST /payments`): a decided payment answers from its record. Otherwise the record
 *   is written first (`created`, or `undefined` kept, attempts counted), then the ERP is asked,
 *   within `erpBudgetMs` from the call's start: the account, then the hold; an ERP that does not
 *   answer in time, or fails, makes the answer `undefined` (the gateway retries the create).
 *   The outcome is written with If-Match on the record as just read; when another replica wrote
 *   meanwhile, the same ERP answer is folded into the fresh record (a decided record wins, and a
 *   hold placed for a payment denied meanwhile is released).
 * - Settlement, refund, cancellation: the record with the movement is written first, then the
 *   ERP action (idempotent at the ERP by `requestId`); the answer is 200 only once the ERP
 *   confirmed, else 500 with a null id, and the gateway's retry (same `requestId`) asks the ERP
 *   again without moving anything twice.
 *
 * Nothing is answered before it is durable in VBase (bucket `ponte-payments`,
 * `payments/{paymentId}.json`).
 */
import type { Kv } from '../lib/vbase'
import { StaleWrite } from '../lib/vbase'
import { PonteError } from '../lib/errors'
import { faultPoint } from '../lib/faults'
import type { ErpCreditApi } from '../clients/erpCredit'
import type {
  AuthorizationAnswer,
  CancelAnswer,
  CreditStep,
  ErpCreditAction,
  MovementAnswer,
  Payment,
  PaymentSettings,
} from './core'
import { authorizeStep, cancelStep, refundStep, settleStep } from './core'
import type { PaymentsSettings } from './settings'
import { coreSettings } from './settings'

export const PAYMENTS_BUCKET = 'ponte-payments'
export const PAYMENT_NOT_FOUND = 'PAYMENT_NOT_FOUND'
export const ERP_NOT_CONFIGURED = 'ERP_NOT_CONFIGURED'
export const ERP_UNAVAILABLE = 'ERP_UNAVAILABLE'
export const RECORD_CONTENDED = 'PAYMENT_RECORD_CONTENDED'

export interface PaymentsDeps {
  kv: Kv
  erp: ErpCreditApi
  settings: PaymentsSettings
  /** Milliseconds, monotonic enough for budgets. */
  now: () => number
  logger: { warn(m: unknown): void; error(m: unknown): void }
  /** Records each ERP write (settle, refund, cancel) with its outcome code. */
  audit?: (operation: string, paymentId: string, orderId: string | null, outcome: string) => Promise<void>
}

const path = (paymentId: string) => `payments/${paymentId}.json`

/** The id in a body, only to name the record to read (the core checks it properly). */
function idOf(body: unknown): string {
  const id = (body as { paymentId?: unknown } | null)?.paymentId
  if (typeof id !== 'string' || !/^[A-Za-z0-9_-]{1,128}$/.test(id)) {
    throw new PonteError('PAYMENT_ID_INVALID', 'paymentId must be 1 to 128 letters, digits, - or _')
  }
  return id
}

async function read(deps: PaymentsDeps, id: string): Promise<{ data: Payment; etag: string | null } | null> {
  return deps.kv.get<Payment>(path(id))
}

/** The write, answering the new ETag when the store tells it. */
async function putTagged(deps: PaymentsDeps, id: string, payment: Payment, ifMatch: string | undefined): Promise<string | null> {
  if (deps.kv.putTagged) return deps.kv.putTagged(path(id), payment, ifMatch)
  await deps.kv.put(path(id), payment, ifMatch)
  return null
}

export interface AuthorizeOutcome {
  answer: AuthorizationAnswer
  payment: Payment
}

/** `POST /payments` (see the module's comment). */
export async function authorize(deps: PaymentsDeps, body: unknown, startedAt = deps.now()): Promise<AuthorizeOutcome> {
  const id = idOf(body)
  const settings = coreSettings((body as { merchantSettings?: unknown }).merchantSettings) as PaymentSettings
  const deadline = startedAt + deps.settings.erpBudgetMs
  const left = () => Math.max(0, deadline - deps.now())
  let credit: CreditStep | null = null
  // The record as this call last read or wrote it (with the ETag VBase answered to the write):
  // the next step starts from it instead of reading it back (two reads of seven round trips
  // saved); a write from another replica meanwhile fails the next write's If-Match, which then
  // reads it.
  let own: { data: Payment; etag: string } | null = null
  type Stored = { data: Payment; etag: string | null } | null
  for (let attempt = 0; attempt < deps.settings.casAttempts + 4; attempt++) {
    const record: Stored = own ?? (await read(deps, id))
    own = record?.etag ? { data: record.data, etag: record.etag } : null
    const step = authorizeStep(record?.data ?? null, body, settings, credit)
    if (step.next.kind === 'placeHold') {
      const { customer, holdId, value } = step.next
      const { erpEndpoint, erpToken } = deps.settings
      const held = erpEndpoint && left() > 0 ? await deps.erp.hold(erpEndpoint, erpToken, customer, holdId, value, left()) : { kind: 'unavailable' as const }
      if (held.kind === 'placed') faultPoint('payment-after-hold', id)
      credit =
        held.kind === 'placed'
          ? { kind: 'holdPlaced', hold: { holdId, value } }
          : held.kind === 'unavailable'
            ? { kind: 'unavailable' }
            : { kind: 'holdRefused', released: held.kind === 'released' }
      continue
    }
    if (step.erp) await performQuietly(deps, step.erp, Math.max(left(), 500))
    if (step.changed) {
      try {
        const etag = await putTagged(deps, id, step.payment, record?.etag ?? undefined)
        own = etag ? { data: step.payment, etag } : null
      } catch (e) {
        own = null
        if (e instanceof StaleWrite) continue
        throw e
      }
    }
    if (step.next.kind !== 'readCredit') {
      if (step.answer) return { answer: step.answer, payment: step.payment }
      throw new PonteError('INTERNAL', `payment ${id}: the core answered without an answer`, 'error')
    }
    // readCredit: the record (created, or undefined again) is durable; ask the ERP.
    const { erpEndpoint, erpToken } = deps.settings
    if (!erpEndpoint) {
      credit = { kind: 'unavailable' }
      deps.logger.warn({ message: 'payments: no ERP endpoint configured', code: ERP_NOT_CONFIGURED })
      continue
    }
    const account = left() > 0 ? await deps.erp.account(erpEndpoint, erpToken, step.next.customer, id, left()) : ({ kind: 'unavailable' } as const)
    credit = account
  }
  throw new PonteError(RECORD_CONTENDED, `payment ${id}: the record kept changing`, 'error')
}

async function performQuietly(deps: PaymentsDeps, action: ErpCreditAction, timeoutMs: number): Promise<boolean> {
  const { erpEndpoint, erpToken } = deps.settings
  if (!erpEndpoint) return false
  return deps.erp.perform(erpEndpoint, erpToken, action, timeoutMs)
}

type Mover<A> = (payment: Payment, body: unknown) => { payment: Payment; changed: boolean; erp?: ErpCreditAction | null; answer: A }

async function move<A>(deps: PaymentsDeps, operation: string, pathId: string, body: unknown, step: Mover<A>, startedAt: number): Promise<A> {
  const id = idOf(body)
  if (id !== pathId) throw new PonteError('PAYMENT_ID_MISMATCH', `the body is for payment ${id}, the path for ${pathId}`)
  for (let attempt = 0; attempt < deps.settings.casAttempts; attempt++) {
    const record = await read(deps, id)
    if (!record) throw new PonteError(PAYMENT_NOT_FOUND, `no payment ${id}`)
    let out: ReturnType<Mover<A>>
    try {
      out = step(record.data, body)
    } catch (e) {
      if (e instanceof PonteError) await deps.audit?.(operation, id, record.data.orderId ?? null, e.code).catch(() => undefined)
      throw e
    }
    if (out.changed) {
      try {
        await deps.kv.put(path(id), out.payment, record.etag ?? undefined)
      } catch (e) {
        if (e instanceof StaleWrite) continue
        throw e
      }
    }
    if (out.erp) {
      const budget = Math.max(500, startedAt + deps.settings.erpBudgetMs - deps.now())
      const ok = await performQuietly(deps, out.erp, budget)
      await deps.audit?.(operation, id, out.payment.orderId ?? null, ok ? 'OK' : ERP_UNAVAILABLE).catch(() => undefined)
      if (!ok) throw new PonteError(ERP_UNAVAILABLE, 'the ERP did not confirm in time; retry with the same requestId')
    }
    return out.answer
  }
  throw new PonteError(RECORD_CONTENDED, `payment ${id}: the record kept changing`, 'error')
}

export function settle(deps: PaymentsDeps, paymentId: string, body: unknown, startedAt = deps.now()): Promise<MovementAnswer> {
  return move(deps, 'settlePayment', paymentId, body, settleStep, startedAt)
}

export function refund(deps: PaymentsDeps, paymentId: string, body: unknown, startedAt = deps.now()): Promise<MovementAnswer> {
  return move(deps, 'refundPayment', paymentId, body, refundStep, startedAt)
}

export function cancel(deps: PaymentsDeps, paymentId: string, body: unknown, startedAt = deps.now()): Promise<CancelAnswer> {
  return move(deps, 'cancelPayment', paymentId, body, cancelStep, startedAt)
}
