import type { ClientsConfig, ParamsContext } from '@vtex/api'
import { method, Service } from '@vtex/api'

import type { State } from './clients'
import { Clients } from './clients'
import { schemaDirectives } from './directives'
import { orderStatusChanged } from './events/orderStatusChanged'
import { requirePerson } from './middlewares/requirePerson'
import { resolvers } from './resolvers'
import { benchRoutesEnabled, benchWrite } from './routes/benchWrite'
import { health } from './routes/health'
import { customerChangesTick } from './routes/customerChanges'
import { orderFeedTick, orderHook } from './routes/orders'
import { cancelPayment, createPayment, inboundPayment, paymentCallbacks, paymentManifest, paymentMethodsRoute, refundPayment, settlePayment } from './routes/payments'
import { antifraudRoute, giftCardRoute } from './routes/providers'
import { adminSession } from './routes/session'
import { erpDelta } from './routes/sync'

const clients: ClientsConfig<Clients> = {
  implementation: Clients,
  options: {
    default: { retries: 2, timeout: 3000 },
    // Bounds the parallel specification reads of one request.
    catalog: { concurrency: 16 },
    // A person waits for this call: fail fast rather than hold the request.
    vtexId: { timeout: 2000 },
    // License Manager answers each access check; a person waits for it too.
    grants: { timeout: 3000, retries: 1 },
    // The orders flow retries itself (429 Retry-After, 5xx backoff) and needs fresh reads.
    oms: { retries: 0, timeout: 10000, memoizable: false },
    erp: { retries: 0, timeout: 15000, memoizable: false },
  },
}

export default new Service<Clients, State, ParamsContext>({
  clients,
  graphql: { resolvers, schemaDirectives },
  routes: {
    health: method({ GET: [health] }),
    adminSession: method({ GET: [requirePerson({ audience: 'admin', allowAppKey: true }), adminSession] }),
    orderHook: method({ POST: [orderHook()] }),
    orderFeedTick: method({ POST: [orderFeedTick()] }),
    erpPriceDelta: method({ POST: [requirePerson({ audience: 'admin', allowAppKey: true }), erpDelta('PRICES')] }),
    erpStockDelta: method({ POST: [requirePerson({ audience: 'admin', allowAppKey: true }), erpDelta('INVENTORY')] }),
    erpCustomerDelta: method({ POST: [requirePerson({ audience: 'admin', allowAppKey: true }), erpDelta('CUSTOMERS')] }),
    customerChangesTick: method({ POST: [customerChangesTick()] }),
    // The payment connector (Payment Provider Protocol, §G.1; routes/payments.ts).
    paymentManifest: method({ GET: [paymentManifest] }),
    paymentMethods: method({ GET: [paymentMethodsRoute] }),
    paymentCreate: method({ POST: [createPayment] }),
    paymentCancel: method({ POST: [cancelPayment] }),
    paymentSettle: method({ POST: [settlePayment] }),
    paymentRefund: method({ POST: [refundPayment] }),
    paymentInbound: method({ POST: [inboundPayment] }),
    paymentCallbacks: method({ POST: [paymentCallbacks] }),
    // The provider protocols VTEX calls (§G.2 gift cards, §G.3 anti-fraud).
    giftcardSearch: method({ POST: [giftCardRoute('giftcardSearch')] }),
    giftcards: method({ POST: [giftCardRoute('giftcards')] }),
    giftcard: method({ GET: [giftCardRoute('giftcard')] }),
    giftcardTransactions: method({ GET: [giftCardRoute('giftcardTransactions')], POST: [giftCardRoute('giftcardTransactions')] }),
    giftcardTransaction: method({ GET: [giftCardRoute('giftcardTransaction')] }),
    giftcardAuthorization: method({ GET: [giftCardRoute('giftcardAuthorization')] }),
    giftcardSettlements: method({ GET: [giftCardRoute('giftcardSettlements')], POST: [giftCardRoute('giftcardSettlements')] }),
    giftcardCancellations: method({ GET: [giftCardRoute('giftcardCancellations')], POST: [giftCardRoute('giftcardCancellations')] }),
    giftcardReconcile: method({ POST: [giftCardRoute('giftcardReconcile')] }),
    antifraudManifest: method({ GET: [antifraudRoute('antifraudManifest')] }),
    antifraudPreAnalysis: method({ POST: [antifraudRoute('antifraudPreAnalysis')] }),
    antifraudTransactions: method({ POST: [antifraudRoute('antifraudTransactions')] }),
    antifraudTransaction: method({
      GET: [antifraudRoute('antifraudTransaction')],
      PUT: [antifraudRoute('antifraudTransaction')],
      DELETE: [antifraudRoute('antifraudTransaction')],
    }),
    // The hook bench's reference route (one VBase write); only with PONTE_BENCH_ROUTES=1.
    ...(benchRoutesEnabled() ? { benchWrite: method({ POST: [benchWrite] }) } : {}),
  },
  events: {
    orderStatusChanged: orderStatusChanged(),
  },
})
