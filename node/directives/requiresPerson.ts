/**
 * `@requiresPerson(audience: ADMIN | WEBSTORE, allowAppKey: Boolean = false, resources: [String!])`
 * on a field: the field resolves only for a person whose VTEX ID token is valid for this account
 * and audience (sso/authenticator.ts); the person is then on `ctx.state.persons[audience]`
 * (sso.personFor).
 *
 * In this order, the first failure refusing the field:
 * 1. cross-site (admin fields and any mutation): a credential from a cookie is accepted only on an
 *    `application/json` request (lib/crossSite.ts): CROSS_SITE_REQUEST. No network call.
 * 2. the person (or app key): UNAUTHENTICATED, TOKEN_*, FORBIDDEN, APP_KEY_INVALID.
 * 3. with `resources`, the License Manager resources VTEX requires for the action
 *    (lib/access.ts): RESOURCE_NOT_GRANTED.
 *
 * A person-bound answer must never be cached for anyone else, so the directive also marks the
 * response private and uncacheable (the runtime's default is public, max-age one day).
 */
import { defaultFieldResolver } from 'graphql'
import type { GraphQLField } from 'graphql'
import { SchemaDirectiveVisitor } from 'graphql-tools'

import type { Context } from '../clients'
import { parseResources, requireResources } from '../lib/access'
import { refuseCrossSite } from '../lib/crossSite'
import type { Audience } from '../sso/core'
import { authenticatePerson } from '../sso'
import { PII_FIELDS, scrubVariables } from '../customers/pii'

/** The schema's `PersonAudience` enum values. */
export type PersonAudience = 'ADMIN' | 'WEBSTORE'

export const toAudience = (value: PersonAudience): Audience => (value === 'ADMIN' ? 'admin' : 'webstore')
export const fromAudience = (value: Audience): PersonAudience => (value === 'admin' ? 'ADMIN' : 'WEBSTORE')

interface GraphQLCacheControl {
  scope?: string
  noCache?: boolean
  noStore?: boolean
}

export class RequiresPerson extends SchemaDirectiveVisitor {
  public override visitFieldDefinition(field: GraphQLField<unknown, Context>): void {
    const { resolve = defaultFieldResolver } = field
    const { audience, allowAppKey, resources } = this.args as { audience: PersonAudience; allowAppKey?: boolean; resources?: string[] | null }
    const requirement = { audience: toAudience(audience), allowAppKey: allowAppKey ?? false }
    // Parsed once, when the schema is built: a malformed requirement fails the build, not a request.
    const granted = parseResources(resources ?? [])
    const pii = PII_FIELDS.has(field.name)
    field.resolve = async (root, args, ctx, info) => {
      // Before anything can fail: the runtime logs a failing request's variables.
      if (pii) scrubVariables(ctx)
      const graphql = (ctx as unknown as { graphql?: { cacheControl?: GraphQLCacheControl } }).graphql
      if (graphql?.cacheControl) {
        graphql.cacheControl.scope = 'private'
        graphql.cacheControl.noCache = true
        graphql.cacheControl.noStore = true
      }
      // Every admin field (its answers are private data) and every mutation.
      if (requirement.audience === 'admin' || info.operation.operation === 'mutation') refuseCrossSite(ctx, requirement.audience)
      const person = await authenticatePerson(ctx, requirement)
      if (granted.length > 0) await requireResources(ctx, person, granted)
      return resolve(root, args, ctx, info)
    }
  }
}
