/** How arguments become values: `scalar JSON`, catalog ids, the import batch. */
import { GraphQLScalarType, Kind } from 'graphql'
import type { ValueNode } from 'graphql'

import type { ImportBatch } from '../import/core'
import { BATCH_MALFORMED } from '../import/core'
import { INVALID_ID, PonteError } from '../lib/errors'

/** VTEX Catalog ids are positive and fit ponte-core's u32 ids. */
const MAX_ID = 4294967295
const DIGITS = /^[1-9][0-9]{0,9}$/

/** Parses an `ID!` argument into a catalog id, or fails with INVALID_ID. */
export function parseId(value: unknown, argument: string): number {
  const text = typeof value === 'number' ? String(value) : value
  if (typeof text !== 'string' || !DIGITS.test(text) || Number(text) > MAX_ID) {
    throw new PonteError(
      INVALID_ID,
      `argument "${argument}" must be a positive integer id (1 to ${MAX_ID}), got ${JSON.stringify(value)}`
    )
  }
  return Number(text)
}

/** Parses a nullable `ID` argument: null or absent means none. */
export function parseOptionalId(value: unknown, argument: string): number | null {
  return value === null || value === undefined ? null : parseId(value, argument)
}

/** `scalar JSON`: any JSON value, literal or variable. */
export const JSONScalar = new GraphQLScalarType({
  name: 'JSON',
  serialize: (v: unknown) => v,
  parseValue: (v: unknown) => v,
  parseLiteral: (ast: ValueNode, variables?: Record<string, unknown> | null) => literal(ast, variables ?? {}),
})

function literal(ast: ValueNode, variables: Record<string, unknown>): unknown {
  switch (ast.kind) {
    case Kind.STRING:
    case Kind.BOOLEAN:
      return ast.value
    case Kind.INT:
    case Kind.FLOAT:
      return Number(ast.value)
    case Kind.NULL:
      return null
    case Kind.LIST:
      return ast.values.map((v) => literal(v, variables))
    case Kind.OBJECT:
      return Object.fromEntries(ast.fields.map((f) => [f.name.value, literal(f.value, variables)]))
    case Kind.VARIABLE:
      return variables[ast.name.value]
    default:
      return undefined
  }
}

/** The batch must at least be an object; its shape is checked by the core (BATCH_MALFORMED, paths). */
export function asBatch(value: unknown): ImportBatch {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new PonteError(BATCH_MALFORMED, 'argument "batch" must be a JSON object ({categories, brands, specificationGroups, products})')
  }
  const b = value as Record<string, unknown>
  return {
    categories: [],
    brands: [],
    specificationGroups: [],
    products: [],
    ...b,
  } as ImportBatch
}
