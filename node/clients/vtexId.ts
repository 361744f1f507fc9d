import type { InstanceOptions, IOContext, RequestConfig } from '@vtex/api'
import { ExternalClient } from '@vtex/api'

import { accountHost, withAppToken } from './accountHost'

/** `POST /api/vtexid/credential/validate` when VTEX ID confirms the token (200). */
export interface CredentialConfirmation {
  authStatus: string
  /** The user id (uuid). */
  id?: string
  /** The email, or the app key. */
  user?: string
  account?: string
  audience?: string
  tokenType?: string
}

export type ValidateAnswer =
  | { status: 'confirmed'; confirmation: CredentialConfirmation }
  /** 401 WrongCredentials (logged out, revoked, unknown), or a 200 that is not Success. */
  | { status: 'refused' }
  /** Anything else: VTEX ID could not answer; never taken as a confirmation. */
  | Failed

export type AppTokenAnswer = { status: 'issued'; token: string } | { status: 'refused' } | Failed

/** `httpStatus` 0: no answer at all; `reason` is then the transport's error code (ECONNREFUSED, ...). */
export interface Failed {
  status: 'failed'
  httpStatus: number
  reason?: string
}

/** The operations the SSO check needs from VTEX ID; unit tests implement it with a fake. */
export interface VtexIdSource {
  validate(token: string): Promise<ValidateAnswer>
  appTokenLogin(appKey: string, appToken: string): Promise<AppTokenAnswer>
}

/**
 * VTEX ID on the account's own host (`http://{account}.vtexcommercestable.com.br/api/vtexid/...`,
 * with `X-Vtex-Use-Https` so the IO outbound proxy upgrades the call to HTTPS).
 *
 * Tokens and app tokens travel in request bodies only, never in a URL (URLs are logged and traced;
 * bodies are not), and this client never lets an HTTP error escape: such errors carry the request
 * config, body included. Callers get a status instead.
 */
export class VtexId extends ExternalClient implements VtexIdSource {
  constructor(context: IOContext, options?: InstanceOptions) {
    super(accountHost(context), context, withAppToken(context, options, ['VtexIdclientAutCookie']))
  }

  public async validate(token: string): Promise<ValidateAnswer> {
    const response = await this.post<CredentialConfirmation>(
      VTEX_ID_PATHS.validate,
      { token },
      'vtexid-credential-validate'
    )
    if (response.status === 200 && response.data?.authStatus === 'Success') {
      return { status: 'confirmed', confirmation: response.data }
    }
    if (response.status === 200 || response.status === 401) return { status: 'refused' }
    return failed(response)
  }

  public async appTokenLogin(appKey: string, appToken: string): Promise<AppTokenAnswer> {
    const response = await this.post<{ authStatus?: string; token?: string }>(
      VTEX_ID_PATHS.appTokenLogin,
      { appkey: appKey, apptoken: appToken },
      'vtexid-apptoken-login'
    )
    const data = response.data
    if (response.status === 200 && data?.authStatus === 'Success' && typeof data.token === 'string' && data.token) {
      return { status: 'issued', token: data.token }
    }
    if (response.status === 200 || response.status === 401) return { status: 'refused' }
    return failed(response)
  }

  /** POSTs JSON; any status comes back as a value. Transport failures become status 0. */
  private async post<T>(path: string, body: unknown, metric: string): Promise<Raw<T>> {
    const config: RequestConfig = {
      metric,
      params: { an: this.context.account },
      validateStatus: () => true,
    }
    try {
      const response = await this.http.postRaw<T>(path, body, config)
      return { status: response.status, data: response.data ?? null }
    } catch (e) {
      // Only the error's code is kept: an axios error holds the request (body and token) and
      // its message may quote the URL.
      const code = (e as { code?: unknown })?.code
      return { status: 0, data: null, reason: typeof code === 'string' && /^[A-Z_]{2,40}$/.test(code) ? code : 'UNKNOWN' }
    }
  }
}

interface Raw<T> {
  status: number
  data: T | null
  reason?: string
}

function failed(response: Raw<unknown>): Failed {
  return response.reason === undefined
    ? { status: 'failed', httpStatus: response.status }
    : { status: 'failed', httpStatus: response.status, reason: response.reason }
}

/** Every path this client calls; manifest.test.ts checks each has an outbound-access policy. */
export const VTEX_ID_PATHS = {
  validate: '/api/vtexid/credential/validate',
  appTokenLogin: '/api/vtexid/apptoken/login',
} as const
