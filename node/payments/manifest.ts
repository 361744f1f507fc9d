/**
 * The connector's manifest (`GET /manifest`, §G.1) and payment methods, the same as
 * paymentProvider/configuration.json declares for the Payment Provider Framework (a unit test
 * keeps them equal).
 */
import { FIELD_CUSTOMER_KEY, FIELD_DELAY_TO_AUTO_SETTLE, FIELD_DELAY_TO_CANCEL } from './settings'

export const PAYMENT_METHOD = 'Promissories'

export const paymentMethods = [{ name: PAYMENT_METHOD, allowsSplit: 'disabled' as const }]

export const customFields = [
  { name: FIELD_DELAY_TO_CANCEL, type: 'text' as const },
  { name: FIELD_DELAY_TO_AUTO_SETTLE, type: 'text' as const },
  {
    name: FIELD_CUSTOMER_KEY,
    type: 'select' as const,
    options: [
      { text: 'Document (corporate document first)', value: 'document' },
      { text: 'Email', value: 'email' },
      { text: 'Profile id', value: 'id' },
    ],
  },
]

export const manifest = {
  paymentMethods,
  customFields,
  // Hours (§G.1): settlement normally follows the ERP's invoice; at most 7 days.
  autoSettleDelay: { minimum: '0', maximum: '168' },
}
