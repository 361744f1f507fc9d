/**
 * Which credential a request carries for a given audience (§I, "Where tokens live").
 *
 * Precedence: an `Authorization: Bearer` header (explicit, sent by code, not by a browser), then
 * the audience's own cookie, then an app key pair. The admin cookie is never read for the
 * storefront nor the storefront cookie for the admin: each context has one cookie.
 */
import type { Audience } from './core'

/** The part of a koa / @vtex/api context credentials are read from. */
export interface CredentialSource {
  vtex: { account: string; adminUserAuthToken?: string; storeUserAuthToken?: string }
  get(field: string): string
}

export type Credential =
  | { kind: 'token'; token: string; source: 'bearer' | 'cookie' }
  | { kind: 'appKey'; appKey: string; appToken: string }
  | { kind: 'none' }

export const ADMIN_COOKIE = 'VtexIdclientAutCookie'
/** The storefront cookie carries the account: `VtexIdclientAutCookie_{account}`. */
export const storeCookie = (account: string) => `${ADMIN_COOKIE}_${account}`
export const APP_KEY_HEADER = 'x-vtex-api-appkey'
export const APP_TOKEN_HEADER = 'x-vtex-api-apptoken'

const BEARER = /^Bearer[ \t]+([^\s]+)[ \t]*$/i

const present = (value: string | undefined): value is string => typeof value === 'string' && value.trim() !== ''

export function findCredential(request: CredentialSource, audience: Audience): Credential {
  const bearer = BEARER.exec(request.get('authorization') ?? '')
  if (bearer) return { kind: 'token', token: bearer[1], source: 'bearer' }

  const cookie = audience === 'admin' ? request.vtex.adminUserAuthToken : request.vtex.storeUserAuthToken
  if (present(cookie)) return { kind: 'token', token: cookie.trim(), source: 'cookie' }

  const appKey = request.get(APP_KEY_HEADER)
  const appToken = request.get(APP_TOKEN_HEADER)
  if (present(appKey) && present(appToken)) return { kind: 'appKey', appKey: appKey.trim(), appToken }

  return { kind: 'none' }
}
