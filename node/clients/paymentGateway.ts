/**
 * The Payment Gateway's `callbackUrl`, for the payment connector (payments/callback.ts): when an
 * `undefined` authorisation is decided, the connector POSTs the create's answer there (§G.1; a
 * VTEX IO connector's callback makes the gateway retry `POST /payments`, which then answers the
 * decided payment from its record).
 *
 * As vtex-apps/payment-provider-example's client does it: the URL exactly as given (its
 * `X-VTEX-signature` query parameter is mandatory), `https://` sent through VTEX IO's outbound
 * proxy as `http://` with `X-Vtex-Use-Https`, the app's token as `Proxy-Authorization` (every
 * ExternalClient call carries it). The gateway's `/api/pvt/` path also wants a VTEX credential
 * (§G: a provider calls VTEX back with VTEX credentials): the app's own token as
 * `VtexIdclientAutCookie`, the way the app's other VTEX calls carry it (clients/scheduler.ts).
 *
 * Checked against vtex-apps/payment-provider-example (`node/sdk/clients/paymentProvider/index.ts`
 * and `node/sdk/clients/utils.ts` at ff4ff434d4381461f4a8d40826f40114250c614f): its `callback`
 * POSTs the answer to `callbackUrl` verbatim but for `https` → `http` (IO's outbound proxy) with
 * `X-Vtex-Use-Https: true` and the app's token as `Proxy-Authorization`, on any host the gateway
 * gives. The host is the gateway's: the protocol's OpenAPI example is
 * `https://gatewayqa.vtexpayments.com.br/api/pvt/payment-provider/transactions/{transactionId}/payments/{paymentId}/callback?accountName=...&X-VTEX-signature=...`,
 * the simulator's `https://{account}.vtexpayments.com.br/...` with the same path: both match
 * {@link CALLBACK_HOST}. (@vtex/api's own `PaymentProvider` client builds
 * `http://{account}.vtexpayments.com.br/payment-provider/transactions/{t}/payments/{p}/notification`:
 * that is the *notification* flow of providers outside IO, not the retry flow used here.)
 *
 * The URL is never logged (its signature authorises the call).
 */
import type { InstanceOptions, IOContext } from '@vtex/api'
import { ExternalClient } from '@vtex/api'

import { viaProxy } from './erp'

/** The callback host VTEX gives in `callbackUrl` (the manifest's outbound-access policy). */
export const CALLBACK_HOST = /^https:\/\/[a-z0-9-]{1,63}\.vtexpayments\.com\.br\/api\/pvt\/payment-provider\/transactions\/[^/?#]+\/payments\/[^/?#]+\/callback\?/

export interface GatewayCallbackApi {
  /** The HTTP status the gateway answered, 0 when none (timeout, unreachable). */
  callback(callbackUrl: string, answer: unknown, timeoutMs: number): Promise<number>
}

export class PaymentGateway extends ExternalClient implements GatewayCallbackApi {
  constructor(context: IOContext, options?: InstanceOptions) {
    super('', context, {
      ...options,
      headers: { ...options?.headers, ...(context.authToken ? { VtexIdclientAutCookie: context.authToken } : {}) },
    })
  }

  public async callback(callbackUrl: string, answer: unknown, timeoutMs: number): Promise<number> {
    const { url, headers } = viaProxy(callbackUrl)
    try {
      const r = await this.http.postRaw(url, answer, {
        metric: 'payments-gateway-callback',
        headers: { ...headers, 'content-type': 'application/json' },
        timeout: timeoutMs,
        validateStatus: () => true,
      })
      return r.status
    } catch {
      // Only the status: the error holds the URL and its signature.
      return 0
    }
  }
}
