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
