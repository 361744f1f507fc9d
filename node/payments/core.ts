/**
 * The typed facade over ponte-core's payments module (WebAssembly): one step of an
 * authorisation (`POST /payments`), a settlement, a refund, a cancellation (§G.1).
 *
 * Every function throws a {@link PonteError} whose code is the core's stable code
 * (`PAYMENT_SETTLE_ABOVE_AUTHORIZED`, ...); a body that does not even deserialize (a missing
 * `paymentId`, a value with three decimals) becomes `PAYMENT_REQUEST_MALFORMED`.
 */
import * as core from '../generated/ponte_wasm'
import type {
  PaymentAuthorizeStep,
  CancelPayment,
  PaymentCancelStep,
  CreatePayment,
  CreditStep,
  PaymentMovementStep,
  Payment,
  PaymentSettings,
  ValueRequest,
} from '../generated/ponte_wasm'
import { callCoreAs } from '../lib/core'
import { PonteError } from '../lib/errors'

export type {
  AuthorizationAnswer,
  PaymentAuthorizeStep,
  CancelAnswer,
  PaymentCancelStep,
  CreatePayment,
  CreditAccount,
  CreditStep,
  ErpCreditAction,
  MovementAnswer,
  PaymentMovementStep,
  Payment,
  PaymentSettings,
} from '../generated/ponte_wasm'

export const PAYMENT_REQUEST_MALFORMED = 'PAYMENT_REQUEST_MALFORMED'

const malformed = (message: string) => new PonteError(PAYMENT_REQUEST_MALFORMED, message.replace(/^invalid input: /, ''))

/** The core's own decoding refusal (`INPUT_INVALID`) is a malformed request here too. */
const call = callCoreAs(malformed)

export function authorizeStep(current: Payment | null, request: unknown, settings: PaymentSettings, credit: CreditStep | null): PaymentAuthorizeStep {
  return call(() => core.payment_authorize({ current, request: request as CreatePayment, settings, credit }))
}

export function settleStep(payment: Payment, request: unknown): PaymentMovementStep {
  return call(() => core.payment_settle({ payment, request: request as ValueRequest }))
}

export function refundStep(payment: Payment, request: unknown): PaymentMovementStep {
  return call(() => core.payment_refund({ payment, request: request as ValueRequest }))
}

export function cancelStep(payment: Payment, request: unknown): PaymentCancelStep {
  return call(() => core.payment_cancel({ payment, request: request as CancelPayment }))
}
