/**
 * The ERP's order endpoint: `POST {erpEndpoint}/orders` (the endpoint comes from the app's
 * settings, so it is passed per call), JSON, headers `x-ponte-delivery-id` and, when the
 * `erpToken` setting is set, `authorization: Bearer <erpToken>`.
 *
 * The ERP answers 2xx once it has stored the delivery (the same `deliveryId` again → 200, which
 * it records as a duplicate). One call is one attempt: the delivery loop (orders/deliver.ts)
 * retries with backoff, claiming the delivery again before each attempt, because a retry must
 * never overlap another replica's attempt. A timeout is a failure like a 5xx (the ERP may have
 * stored it: the retry carries the same delivery id, so it is stored once).
 *
 * Before sending again a delivery whose earlier attempt has no known outcome (a replica died
 * between its POST and recording it done; a timeout), the delivery loop asks the ERP
 * `GET {erpEndpoint}/orders/deliveries/{deliveryId}` (200: stored, 404: not stored) and does not
 * send what the ERP already has (setting `ordersTuning.erpLookupBeforeRetry`, default on).
 */
import type { InstanceOptions, IOContext } from '@vtex/api'
import { ExternalClient } from '@vtex/api'

/** The body of a delivery (the contract's hand-off and status notification). */
export interface ErpDelivery {
  deliveryId: string
  kind: 'order' | 'status'
  orderId: string
  status: string | null
  previousStatus: string | null
  changedAt: string | null
  /** Get order JSON, as VTEX served it. */
  order: unknown
}

export type ErpAnswer =
  | { ok: true; status: number }
  /** `status` 0: no answer (timeout, refused connection); `reason` is then the transport's code. */
  | { ok: false; status: number; reason?: string }

/** Whether the ERP has stored a delivery: `unknown` when it could not say (no answer, 5xx...). */
export type ErpLookup = 'stored' | 'absent' | 'unknown'

/**
 * The header carrying the claim's fence (orders/deliver.ts) with the lookup and the POST: the ERP
 * keeps the highest fence it has seen per delivery id and refuses a POST with a lower one
 * (`409 ERP_DELIVERY_FENCED`, docs/erp-contract.yaml), so a replica whose claim was taken over
 * cannot deliver late.
 */
export const FENCE_HEADER = 'x-ponte-fence'

/** The ERP's answer to a POST whose fence is lower than one it has seen for that delivery. */
export const FENCED_STATUS = 409

export interface ErpApi {
  deliver(endpoint: string, token: string | null | undefined, delivery: ErpDelivery, fence?: number): Promise<ErpAnswer>
  /** `GET {erpEndpoint}/orders/deliveries/{deliveryId}`: 200 stored, 404 absent. */
  lookup(endpoint: string, token: string | null | undefined, deliveryId: string, fence?: number): Promise<ErpLookup>
}

/**
 * The URL to call and the header that asks VTEX IO's outbound proxy for HTTPS: an app's calls
 * go out through the proxy as plain HTTP with `X-Vtex-Use-Https: true`, and the proxy reaches
 * the host over HTTPS (as for VTEX's own hosts, clients/accountHost.ts). The endpoint is
 * `https://` (orders/settings.ts refuses anything else), so nothing leaves in clear text.
 */
export function viaProxy(url: string): { url: string; headers: Record<string, string> } {
  return { url: url.replace(/^https:\/\//i, 'http://'), headers: { 'X-Vtex-Use-Https': 'true' } }
}

/**
 * A call to `path` on the ERP's `endpoint` (its trailing slashes dropped), through the proxy
 * (viaProxy): the URL, and the headers with the token as a bearer (when there is one) and `extra`.
 */
export function erpRequest(endpoint: string, path: string, token: string | null | undefined, extra: Record<string, string> = {}): { url: string; headers: Record<string, string> } {
  const { url, headers } = viaProxy(`${endpoint.replace(/\/+$/, '')}${path}`)
  return { url, headers: { ...headers, ...(token ? { authorization: `Bearer ${token}` } : {}), ...extra } }
}

/** The fencing header of a delivery with a fence token (none without). */
const fenced = (fence?: number): Record<string, string> => (fence ? { [FENCE_HEADER]: String(fence) } : {})

export class Erp extends ExternalClient implements ErpApi {
  constructor(context: IOContext, options?: InstanceOptions) {
    // Absolute URLs per call: the endpoint is a setting, not part of the context.
    super('', context, options)
  }

  public async lookup(endpoint: string, token: string | null | undefined, deliveryId: string, fence?: number): Promise<ErpLookup> {
    const { url, headers } = erpRequest(endpoint, `/orders/deliveries/${encodeURIComponent(deliveryId)}`, token, fenced(fence))
    try {
      const response = await this.http.getRaw(url, {
        metric: 'erp-orders-lookup',
        headers,
        validateStatus: () => true,
      })
      if (response.status >= 200 && response.status < 300) return 'stored'
      return response.status === 404 ? 'absent' : 'unknown'
    } catch {
      return 'unknown'
    }
  }

  public async deliver(endpoint: string, token: string | null | undefined, delivery: ErpDelivery, fence?: number): Promise<ErpAnswer> {
    const { url, headers } = erpRequest(endpoint, '/orders', token, { 'content-type': 'application/json', 'x-ponte-delivery-id': delivery.deliveryId, ...fenced(fence) })
    try {
      const response = await this.http.postRaw(url, delivery, {
        metric: 'erp-orders-deliver',
        headers,
        validateStatus: () => true,
      })
      return response.status >= 200 && response.status < 300 ? { ok: true, status: response.status } : { ok: false, status: response.status }
    } catch (e) {
      // Only the code: the error holds the request, token included.
      const code = (e as { code?: unknown })?.code
      return { ok: false, status: 0, reason: typeof code === 'string' && /^[A-Z_]{2,40}$/.test(code) ? code : 'UNKNOWN' }
    }
  }
}
