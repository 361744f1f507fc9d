/**
 * Keeps shoppers' personal data out of the runtime's logs. `@vtex/api` attaches a failing
 * GraphQL request's variables (cut at ~1 KB) to every error it answers and logs
 * (shared runtime behaviour, `service/worker/runtime/graphql/utils/error.js`, which reads them
 * from `ctx.graphql.query` when it formats the error). The fields below take emails, documents,
 * phones and addresses as arguments, so as soon as one of them is reached (before its
 * authorization, whose refusal is an error too) the request's recorded variables are replaced;
 * execution is not affected (graphql-js works on its own coerced copy).
 */
export const PII_FIELDS: ReadonlySet<string> = new Set(['syncCustomers', 'customer', 'exportCustomer', 'eraseCustomer'])

export const REDACTED_VARIABLES = { redacted: 'personal data is not logged' }

/** Replaces the variables the runtime would log with {@link REDACTED_VARIABLES}. */
export function scrubVariables(ctx: unknown): void {
  const graphql = (ctx as { graphql?: { query?: Record<string, unknown> } } | null)?.graphql
  if (graphql?.query && typeof graphql.query === 'object') {
    graphql.query = { ...graphql.query, variables: REDACTED_VARIABLES }
  }
}
