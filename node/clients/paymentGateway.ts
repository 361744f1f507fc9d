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
