/**
 * VTEX's anti-fraud `hook` (§G.3): the URL VTEX sent with the transaction, POSTed
 * `{id, tid, status}` when a decision lands. HTTPS through the outbound proxy, as every call
 * to a VTEX host (clients/erp.ts `viaProxy`).
 */
import type { InstanceOptions, IOContext } from '@vtex/api'
import { ExternalClient } from '@vtex/api'

import { viaProxy } from './erp'

export class VtexHook extends ExternalClient {
  constructor(context: IOContext, options?: InstanceOptions) {
    super('', context, options)
  }

  /** True when VTEX accepted the push (2xx). */
  public async push(hookUrl: string, body: { id: string; tid: string; status: string }): Promise<boolean> {
    const { url, headers } = /^https:\/\//i.test(hookUrl) ? viaProxy(hookUrl) : { url: hookUrl, headers: {} }
    try {
      const r = await this.http.postRaw(url, body, {
        metric: 'antifraud-hook',
        headers: { ...headers, 'content-type': 'application/json' },
        validateStatus: () => true,
      })
      return r.status >= 200 && r.status < 300
    } catch {
      return false
    }
  }
}
