/**
 * Limits on the shape of one GraphQL operation, checked before any root field resolves: nesting
 * depth, aliases, and cost (every field selection counted where it appears, fragments expanded).
 * The @vtex/api runtime validates documents with graphql-js's default rules only and takes no
 * extra rules, so the check runs when a root field resolves (resolvers/index.ts wraps them), once
 * per operation. Over a limit: QUERY_TOO_COMPLEX, naming the limit.
 */
import type { FragmentDefinitionNode, GraphQLResolveInfo, OperationDefinitionNode, SelectionSetNode } from 'graphql'

import { PonteError } from './errors'

export const QUERY_TOO_COMPLEX = 'QUERY_TOO_COMPLEX'

export const LIMITS = { depth: 15, aliases: 30, cost: 2000 }

interface Shape {
  depth: number
  aliases: number
  cost: number
}

function measure(set: SelectionSetNode, fragments: Record<string, FragmentDefinitionNode>, level: number, shape: Shape): void {
  shape.depth = Math.max(shape.depth, level)
  for (const selection of set.selections) {
    // Stop early on a hostile document: the counts only grow.
    if (shape.cost > LIMITS.cost || shape.aliases > LIMITS.aliases || shape.depth > LIMITS.depth) return
    if (selection.kind === 'Field') {
      shape.cost += 1
      if (selection.alias) shape.aliases += 1
      if (selection.selectionSet) measure(selection.selectionSet, fragments, level + 1, shape)
    } else if (selection.kind === 'InlineFragment') {
      measure(selection.selectionSet, fragments, level, shape)
    } else {
      const fragment = fragments[selection.name.value]
      if (fragment) measure(fragment.selectionSet, fragments, level, shape)
    }
  }
}

const checked = new WeakMap<OperationDefinitionNode, PonteError | null>()

export function shapeOf(operation: OperationDefinitionNode, fragments: Record<string, FragmentDefinitionNode>): Shape {
  const shape = { depth: 0, aliases: 0, cost: 0 }
  measure(operation.selectionSet, fragments, 1, shape)
  return shape
}

/** Throws QUERY_TOO_COMPLEX when the operation `info` belongs to is over a limit. */
export function checkQueryLimits(info: Pick<GraphQLResolveInfo, 'operation' | 'fragments'>): void {
  let verdict = checked.get(info.operation)
  if (verdict === undefined) {
    const shape = shapeOf(info.operation, info.fragments)
    const over = (Object.keys(LIMITS) as Array<keyof Shape>).find((k) => shape[k] > LIMITS[k])
    verdict = over ? new PonteError(QUERY_TOO_COMPLEX, `the query is over the ${over} limit (${LIMITS[over]})`) : null
    checked.set(info.operation, verdict)
  }
  if (verdict) throw verdict
}
