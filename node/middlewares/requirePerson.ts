/**
 * Route middleware for routes that need a person: the same check as `@requiresPerson`
 * (sso/authenticator.ts). A refusal answers here, as JSON `{ code, message }`:
 * 401 (with `WWW-Authenticate`) for a missing, invalid, expired or revoked credential,
 * 403 for an app key where none is allowed, 502 when VTEX ID cannot answer, 500 for an
 * invalid `jwks` setting. On success the person is on `ctx.state.persons[audience]`.
 */
import type { Context } from '../clients'
import { FORBIDDEN, PonteError, VTEX_REQUEST_FAILED } from '../lib/errors'
import type { PersonAuthenticator, Requirement } from '../sso/authenticator'
import { authenticatePerson, authenticator } from '../sso'

export function httpStatusFor(code: string): number {
  if (code === FORBIDDEN) return 403
  if (code === VTEX_REQUEST_FAILED) return 502
  if (code === 'JWKS_INVALID') return 500
  return 401
}

export function requirePerson(requirement: Requirement, using: PersonAuthenticator = authenticator) {
  return async function requirePersonMiddleware(ctx: Context, next: () => Promise<unknown>): Promise<void> {
    // Whatever the outcome, the answer concerns one caller only.
    ctx.set('Cache-Control', 'no-store')
    try {
      await authenticatePerson(ctx, requirement, using)
    } catch (e) {
      if (!(e instanceof PonteError)) throw e
      const status = httpStatusFor(e.code)
      ctx.status = status
      if (status === 401) ctx.set('WWW-Authenticate', 'Bearer realm="VTEX ID"')
      ctx.body = { code: e.code, message: e.message }
      // The refusal's message names the rule, never the token.
      ctx.vtex.logger[e.level]({ message: 'SSO: request refused', code: e.code, reason: e.message, route: ctx.vtex.route?.id })
      return
    }
    await next()
  }
}
