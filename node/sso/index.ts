/**
 * The SSO check bound to a request's context: one PersonAuthenticator per worker (its caches are
 * per replica, see node/README.md), VTEX ID and the app's settings from the context's clients,
 * and the result kept on `ctx.state.persons` by audience, so that a resolver reads the person
 * its own directive confirmed even when a query asks for admin and storefront fields at once.
 */
import type { Context } from '../clients'
import { PonteError, UNAUTHENTICATED } from '../lib/errors'
import type { Audience } from './core'
import type { Person, Requirement } from './authenticator'
import { PersonAuthenticator } from './authenticator'

export type { Person, Requirement, VerifiedBy } from './authenticator'

export const authenticator = new PersonAuthenticator()

/** What the SSO check keeps on `ctx.state`. */
export interface SsoState {
  persons?: Partial<Record<Audience, Person>>
  /** One check per requirement per request, however many fields ask for it. */
  ssoChecks?: Map<string, Promise<Person>>
}

/** The app whose settings hold `jwks` and `ssoCacheSeconds`: this one, without its version. */
export function appId(): string {
  const id = process.env.VTEX_APP_ID ?? `${process.env.VTEX_APP_VENDOR}.${process.env.VTEX_APP_NAME}`
  return id.split('@')[0]
}

export function authenticatePerson(ctx: Context, requirement: Requirement, using = authenticator): Promise<Person> {
  const state = ctx.state as SsoState
  state.ssoChecks ??= new Map()
  const key = `${requirement.audience}:${requirement.allowAppKey ?? false}`
  let check = state.ssoChecks.get(key)
  if (!check) {
    check = using
      .authenticate(ctx, {
        vtexId: ctx.clients.vtexId,
        readSettings: () => ctx.clients.apps.getAppSettings(appId()),
        settingsKey: `${ctx.vtex.account}/${ctx.vtex.workspace}`,
        logger: ctx.vtex.logger,
      }, requirement)
      .then((person) => {
        state.persons = { ...state.persons, [requirement.audience]: person }
        return person
      })
    state.ssoChecks.set(key, check)
  }
  return check
}

/** The person confirmed for `audience` in this request; a resolver without its directive gets UNAUTHENTICATED. */
export function personFor(ctx: Context, audience: Audience): Person {
  const person = (ctx.state as SsoState).persons?.[audience]
  if (!person) throw new PonteError(UNAUTHENTICATED, `no ${audience} person was confirmed for this request`)
  return person
}
