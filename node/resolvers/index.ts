import { antifraudMutations } from './Mutations/Antifraud'
import { importMutations } from './Mutations/Import'
import { orderMutations } from './Mutations/Orders'
import { syncMutations } from './Mutations/Sync'
import { customerMutations } from './Mutations/Customers'
import { auditQueries } from './Queries/Audit'
import { catalogQueries, categoryFields } from './Queries/Catalog'
import { importJobFields, importQueries } from './Queries/Import'
import { orderQueries } from './Queries/Orders'
import { sessionQueries } from './Queries/Session'
import { syncQueries } from './Queries/Sync'
import { customerQueries } from './Queries/Customers'
import { JSONScalar } from './scalars'
import type { GraphQLResolveInfo } from 'graphql'
import { checkQueryLimits } from '../lib/queryLimits'
import { requireBackgroundWorkspace } from '../lib/workspace'
import { readSettings } from '../orders/deps'
import type { Context } from '../clients'

type Resolver = (root: unknown, args: any, ctx: any, info: GraphQLResolveInfo) => unknown

/** Every root field checks the operation's shape first (lib/queryLimits.ts). */
function limited<T extends Record<string, Resolver>>(fields: T): T {
  return Object.fromEntries(
    Object.entries(fields).map(([name, resolve]) => [
      name,
      (root: unknown, args: unknown, ctx: unknown, info: GraphQLResolveInfo) => {
        checkQueryLimits(info)
        return resolve(root, args, ctx, info)
      },
    ])
  ) as T
}

/**
 * Every Mutation is a write: only the workspace that owns background work takes it
 * (lib/workspace.ts); the check runs after the field's directives (a person first).
 */
function ownerOnly<T extends Record<string, Resolver>>(fields: T): T {
  return Object.fromEntries(
    Object.entries(fields).map(([name, resolve]) => [
      name,
      async (root: unknown, args: unknown, ctx: Context, info: GraphQLResolveInfo) => {
        const settings = await readSettings(ctx)
        requireBackgroundWorkspace(settings.backgroundWorkspace, ctx.vtex.workspace, name)
        return resolve(root, args, ctx, info)
      },
    ])
  ) as T
}

export const resolvers = {
  JSON: JSONScalar,
  Query: limited({
    ...catalogQueries,
    ...sessionQueries,
    ...importQueries,
    ...orderQueries,
    ...auditQueries,
    ...syncQueries,
    ...customerQueries,
  }),
  Mutation: limited(
    ownerOnly({
      ...importMutations,
      ...orderMutations,
      ...syncMutations,
      ...antifraudMutations,
      ...customerMutations,
    })
  ),
  Category: categoryFields,
  ImportJob: importJobFields,
}
