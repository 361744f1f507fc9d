/**
 * Cross-site request refusal for cookie-authenticated GraphQL.
 *
 * A browser attaches the admin cookie (VtexIdclientAutCookie) to any request to the account's
 * host, including a form another site submits. A form can only send `text/plain`,
 * `application/x-www-form-urlencoded` or `multipart/form-data` bodies, and the @vtex/api runtime
 * parses a `text/plain` POST body as JSON, so such a form could run a mutation. A request with
 * `content-type: application/json` cannot be sent cross-site without a CORS preflight, which the
 * service does not grant. So a credential that came from a cookie is accepted only on a request
 * whose content type is `application/json` (a GET has none and is refused too). A bearer header
 * or an app key cannot be attached by a browser on its own, so those requests are not concerned.
 */
import type { Audience } from '../sso/core'
import type { CredentialSource } from '../sso/credentials'
import { findCredential } from '../sso/credentials'
import { PonteError } from './errors'

export const CROSS_SITE_REQUEST = 'CROSS_SITE_REQUEST'

/** `application/json`, with or without parameters (charset), any case. */
export function isJsonContentType(value: string | undefined): boolean {
  return (value ?? '').split(';')[0].trim().toLowerCase() === 'application/json'
}

/** Throws CROSS_SITE_REQUEST when the audience's credential is a cookie on a non-JSON request. */
export function refuseCrossSite(request: CredentialSource, audience: Audience): void {
  const credential = findCredential(request, audience)
  if (credential.kind !== 'token' || credential.source !== 'cookie') return
  if (isJsonContentType(request.get('content-type'))) return
  throw new PonteError(
    CROSS_SITE_REQUEST,
    'a request authenticated by cookie must be a POST with content-type application/json (a form from another site cannot send one)'
  )
}
