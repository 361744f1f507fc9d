/** auditLog (behind @requiresPerson ADMIN with its resources): the audit trail, read from VBase. */
import type { Context } from '../../clients'
import { auditLogFor } from '../../directives/audited'

interface AuditLogArgs {
  from: string
  to: string
  orderId?: string | null
  first?: number | null
}

export const auditQueries = {
  auditLog: (_root: unknown, args: AuditLogArgs, ctx: Context) =>
    auditLogFor(ctx).list(args.from, args.to, { orderId: args.orderId ?? null, first: args.first ?? null }),
}
