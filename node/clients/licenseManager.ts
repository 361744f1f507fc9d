/**
 * License Manager's "does this login hold this resource" check, the call VTEX IO's own
 * `@auth(scope: PRIVATE, productCode, resourceCode)` makes (`@vtex/api`
 * service/worker/runtime/graphql/schema/schemaDirectives/Auth.js):
 *
 *   GET http://{account}.vtexcommercestable.com.br/api/license-manager/pvt/accounts/{account}
 *       /products/{productCode}/logins/{login}/resources/{resourceCode}/granted
 *
 * with the app's token, answering `true` or `false`. A login is a person's email or an app key:
 * License Manager gives roles to both ("Add roles to user or appKey", License Manager API).
 *
 * Only a 2xx `true` grants; `false`, a 403 or 404 refuse; anything else is "could not ask", never a
 * grant. Errors never escape with their request config.
 */
import type { InstanceOptions, IOContext } from '@vtex/api'
import { ExternalClient } from '@vtex/api'

import { accountHost, withAppToken } from './accountHost'

export type GrantAnswer = { status: 'granted' } | { status: 'refused' } | { status: 'failed'; httpStatus: number; reason?: string }

/** What the authorization check needs; unit tests implement it with a fake. */
export interface GrantSource {
  granted(login: string, productCode: string, resourceCode: string): Promise<GrantAnswer>
}

export const grantedPath = (account: string, productCode: string, login: string, resourceCode: string) =>
  `/api/license-manager/pvt/accounts/${encodeURIComponent(account)}/products/${encodeURIComponent(productCode)}` +
  `/logins/${encodeURIComponent(login)}/resources/${encodeURIComponent(resourceCode)}/granted`

export class LicenseManager extends ExternalClient implements GrantSource {
  constructor(context: IOContext, options?: InstanceOptions) {
    // As the runtime's @auth does: the app's own token.
    super(accountHost(context), context, withAppToken(context, options, ['Authorization', 'VtexIdclientAutCookie']))
  }

  public async granted(login: string, productCode: string, resourceCode: string): Promise<GrantAnswer> {
    try {
      const answer = await this.http.getRaw<unknown>(grantedPath(this.context.account, productCode, login, resourceCode), {
        metric: 'license-manager-granted',
        validateStatus: () => true,
      })
      if (answer.status >= 200 && answer.status < 300) return answer.data === true || answer.data === 'true' ? { status: 'granted' } : { status: 'refused' }
      if (answer.status === 403 || answer.status === 404) return { status: 'refused' }
      return { status: 'failed', httpStatus: answer.status }
    } catch (e) {
      return { status: 'failed', httpStatus: 0, reason: (e as { code?: string }).code ?? 'network error' }
    }
  }
}
