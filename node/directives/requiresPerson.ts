/**
 * `@requiresPerson(audience: ADMIN | WEBSTORE, allowAppKey: Boolean = false)` on a field: the
 * field resolves only for a person whose VTEX ID token is valid for this account and audience
 * (sso/authenticator.ts); the person is then on `ctx.state.persons[audience]` (sso.personFor).
 *
 * A person-bound answer must never be cached for anyone else, so the directive also marks the
 * response private and uncacheable (the runtime's default is public, max-age one day).
 */
import { defaultFieldResolver } from 'graphql'
import type { GraphQLField } from 'graphql'
import { SchemaDirectiveVisitor } from 'graphql-tools'

import type { Context } from '../clients'
import type { Audience } from '../sso/core'
import { authenticatePerson } from '../sso'

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
    const { audience, allowAppKey } = this.args as { audience: PersonAudience; allowAppKey?: boolean }
    const requirement = { audience: toAudience(audience), allowAppKey: allowAppKey ?? false }
    field.resolve = async (root, args, ctx, info) => {
      const graphql = (ctx as unknown as { graphql?: { cacheControl?: GraphQLCacheControl } }).graphql
      if (graphql?.cacheControl) {
        graphql.cacheControl.scope = 'private'
        graphql.cacheControl.noCache = true
        graphql.cacheControl.noStore = true
      }
      await authenticatePerson(ctx, requirement)
      return resolve(root, args, ctx, info)
    }
  }
}
