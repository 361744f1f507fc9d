/**
 * Per-person authorization: a field that acts for a person (or an app key) requires the License
 * Manager resources VTEX itself requires for that action. The requirement is written on the field
 * (`@requiresPerson(..., resources: [...])`, graphql/directives.graphql) as a list of clauses, all
 * required; a clause is one or more `Product/Resource` alternatives separated by `|`, any one of
 * which is enough (VTEX's "must have at least one of the appropriate resources").
 *
 * Which resources: the "Permissions" section of each VTEX endpoint the action stands for (Orders
 * API and Catalog API references, developers.vtex.com; docs/authorization.md lists them).
 *
 * Refusals: RESOURCE_NOT_GRANTED (403), VTEX_REQUEST_FAILED when License Manager cannot answer
 * (never taken as a grant). Answers are remembered for the request only, so a revoked role takes
 * effect on the next request.
 */
import type { Context } from '../clients'
import type { Person } from '../sso'
import { PonteError, VTEX_REQUEST_FAILED } from './errors'
import type { GrantSource } from '../clients/licenseManager'

/** The person or app key lacks every alternative of a required clause. */
export const RESOURCE_NOT_GRANTED = 'RESOURCE_NOT_GRANTED'

export interface Resource {
  productCode: string
  resourceCode: string
}

/** A parsed requirement: every clause, each satisfied by any of its alternatives. */
export type Requirement = Resource[][]

export function parseResources(clauses: readonly string[]): Requirement {
  return clauses.map((clause) =>
    clause.split('|').map((alternative) => {
      const [productCode, ...rest] = alternative.trim().split('/')
      const resourceCode = rest.join('/').trim()
      if (!productCode?.trim() || !resourceCode) throw new Error(`invalid resource "${alternative.trim()}": expected Product/Resource`)
      return { productCode: productCode.trim(), resourceCode }
    })
  )
}

const show = (r: Resource) => `${r.productCode} "${r.resourceCode}"`

/** What the check keeps on `ctx.state`: the License Manager client, and answers for this request. */
export interface AccessState {
  access?: { grants: GrantSource; answers: Map<string, Promise<boolean>> }
}

function accessOf(ctx: Context): NonNullable<AccessState['access']> {
  const state = ctx.state as AccessState
  state.access ??= {
    grants: ctx.clients.grants,
    answers: new Map(),
  }
  return state.access
}

/** The login License Manager knows the caller by: the person's email or the app key. */
export const loginOf = (person: Person) => person.email

async function holds(ctx: Context, login: string, resource: Resource): Promise<boolean> {
  const access = accessOf(ctx)
  const key = `${login}\0${resource.productCode}\0${resource.resourceCode}`
  let answer = access.answers.get(key)
  if (!answer) {
    answer = access.grants.granted(login, resource.productCode, resource.resourceCode).then((a) => {
      if (a.status === 'failed') {
        throw new PonteError(
          VTEX_REQUEST_FAILED,
          a.httpStatus === 0 ? `License Manager could not be reached (${a.reason ?? 'no answer'})` : `License Manager answered ${a.httpStatus}`,
          'error'
        )
      }
      return a.status === 'granted'
    })
    access.answers.set(key, answer)
  }
  return answer
}

/** Resolves when `person` holds the requirement; else RESOURCE_NOT_GRANTED naming the first clause it lacks. */
export async function requireResources(ctx: Context, person: Person, requirement: Requirement): Promise<void> {
  const login = loginOf(person)
  for (const clause of requirement) {
    let granted = false
    for (const alternative of clause) {
      if (await holds(ctx, login, alternative)) {
        granted = true
        break
      }
    }
    if (!granted) {
      const who = person.isAppKey ? 'this app key' : 'this person'
      throw new PonteError(
        RESOURCE_NOT_GRANTED,
        `${who} needs the License Manager resource ${clause.map(show).join(' or ')}; an administrator can grant it through a role`
      )
    }
  }
}
