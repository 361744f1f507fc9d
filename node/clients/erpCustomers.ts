/**
 * The ERP's customer endpoint: `POST {erpEndpoint}/customers/erasures` `{requestId, email}`
 * after Ponte erased a shopper from Master Data (LGPD/GDPR), so the ERP erases its copy. The
 * ERP answers `2xx` once it has the request; the same `requestId` may arrive again (a retry)
 * and must not be erased twice. The endpoint and token are the orders settings' (`erpEndpoint`,
 * `erpToken`). Nothing is logged: the body holds an email.
 */
import type { InstanceOptions, IOContext } from '@vtex/api'
import { ExternalClient } from '@vtex/api'

import { viaProxy } from './erp'

export class ErpCustomers extends ExternalClient {
  constructor(context: IOContext, options?: InstanceOptions) {
    super('', context, options)
  }

  /** true when the ERP took the request. */
  public async erasure(endpoint: string, token: string | null, requestId: string, email: string): Promise<boolean> {
    const { url, headers } = viaProxy(`${endpoint.replace(/\/+$/, '')}/customers/erasures`)
    try {
      const r = await this.http.postRaw(url, { requestId, email }, {
        metric: 'erp-customers-erasure',
        headers: { ...headers, 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        validateStatus: () => true,
      })
      return r.status >= 200 && r.status < 300
    } catch {
      return false
    }
  }
}
