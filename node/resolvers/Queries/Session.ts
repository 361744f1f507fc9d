import type { Context } from '../../clients'
import type { PersonAudience } from '../../directives/requiresPerson'
import { fromAudience } from '../../directives/requiresPerson'
import type { Audience } from '../../sso/core'
import type { Person, VerifiedBy } from '../../sso'
import { personFor } from '../../sso'

/** The GraphQL `Session`. */
export interface SessionResult {
  userId: string | null
  email: string
  account: string
  audience: PersonAudience
  /** ISO 8601, UTC. */
  expiresAt: string
  verifiedBy: VerifiedBy
}

export function toSession(person: Person): SessionResult {
  return {
    userId: person.userId,
    email: person.email,
    account: person.account,
    audience: fromAudience(person.audience),
    expiresAt: new Date(person.expiresAt * 1000).toISOString(),
    verifiedBy: person.verifiedBy,
  }
}

const session = (audience: Audience) => (_root: unknown, _args: unknown, ctx: Context): SessionResult =>
  toSession(personFor(ctx, audience))

/** Both run behind `@requiresPerson`, which confirms the person before they are called. */
export const sessionQueries = {
  adminSession: session('admin'),
  storefrontSession: session('webstore'),
}
