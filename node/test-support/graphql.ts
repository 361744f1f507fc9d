/**
 * Executes GraphQL the way the @vtex/api runtime does: its makeSchema (native directives such as
 * @auth, plus the app's schemaDirectives), its field resolver, and apollo-server-errors'
 * formatting, which is where `extensions.code` is decided.
 */
import { formatApolloErrors } from 'apollo-server-errors'
import { readdirSync, readFileSync } from 'fs'
import type { GraphQLSchema } from 'graphql'
import { execute, parse } from 'graphql'
import { join } from 'path'
import { makeSchema } from '@vtex/api/lib/service/worker/runtime/graphql/schema'

import type { Context } from '../clients'
import { schemaDirectives } from '../directives'
import { resolvers } from '../resolvers'

/** graphql/*.graphql concatenated, as the launcher (and the graphql builder) does. */
export const appTypeDefs = readdirSync(join(__dirname, '..', '..', 'graphql'))
  .filter((f) => f.endsWith('.graphql'))
  .sort()
  .map((f) => readFileSync(join(__dirname, '..', '..', 'graphql', f), 'utf8'))
  .join('\n')

export function buildSchema(typeDefs = appTypeDefs, appResolvers: unknown = resolvers): GraphQLSchema {
  return makeSchema({ resolvers: appResolvers, schema: typeDefs, schemaDirectives } as unknown as Parameters<typeof makeSchema>[0])
    .schema
}

export async function runQuery(schema: GraphQLSchema, ctx: Context, query: string, variables?: Record<string, unknown>) {
  const response = await execute({
    schema,
    document: parse(query),
    contextValue: ctx,
    variableValues: variables,
    fieldResolver: (root: Record<string, unknown>, _args: unknown, _ctx: unknown, info: { fieldName: string }) =>
      root[info.fieldName],
  })
  const errors = response.errors ? formatApolloErrors(response.errors) : undefined
  return { data: response.data as Record<string, any> | null | undefined, errors }
}
