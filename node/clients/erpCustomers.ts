/**
 * The ERP's customer endpoints: `POST {erpEndpoint}/customers/changes` (a customer created or
 * changed in VTEX, customers/changes.ts: header `x-ponte-delivery-id` and body `{deliveryId, id,
 * email, updatedIn, profile}`; the same deliveryId may arrive again after a crash and must be
 * taken once), and `POST {erpEndpoint}/customers/erasures` `{requestId, email}`
 * after Ponte erased a shopper from Master Data (LGPD/GDPR), so the ERP erases its copy. The
 * ERP answers `2xx` once it has the request; the same `requestId` may arrive again (a retry)
 * and must not be erased twice. The endpoint and token are the orders settings' (`erpEndpoint`,
 * `erpToken`). Nothing is logged: the body holds an email.
 */
import type { InstanceOptions, IOContext } from '@vtex/api'
import { ExternalClient } from '@vtex/api'

import { erpRequest } from './erp'

export class ErpCustomers extends ExternalClient {
  constructor(context: IOContext, options?: InstanceOptions) {
    super('', context, options)
  }

  /** true when the ERP took the request. */
  public erasure(endpoint: string, token: string | null, requestId: string, email: string): Promise<boolean> {
    const { url, headers } = erpRequest(endpoint, '/customers/erasures', token, { 'content-type': 'application/json' })
    return this.accepted(url, { requestId, email }, headers, 'erp-customers-erasure')
  }

  /** true when the ERP answered 2xx to a customer change. */
  public change(endpoint: string, token: string | null, change: { deliveryId: string } & Record<string, unknown>): Promise<boolean> {
    const { url, headers } = erpRequest(endpoint, '/customers/changes', token, { 'content-type': 'application/json', 'x-ponte-delivery-id': change.deliveryId })
    return this.accepted(url, change, headers, 'erp-customers-change')
  }

  /** POSTs `body`: true when the ERP answered 2xx, false on any other status or no answer. */
  private async accepted(url: string, body: unknown, headers: Record<string, string>, metric: string): Promise<boolean> {
    try {
      const r = await this.http.postRaw(url, body, { metric, headers, validateStatus: () => true })
      return r.status >= 200 && r.status < 300
    } catch {
      return false
    }
  }
}
