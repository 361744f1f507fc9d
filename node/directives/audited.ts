/**
 * `@audited(operation: String!)` on a mutation: whatever the outcome, one record in the audit
 * trail (audit/log.ts): who (the admin person or app key the request confirmed, else `unknown`),
 * when, the operation, `orderId` (the argument) or the job id (the answer's `id`), and `OK` or the
 * code the caller got. Listed last on the field, so it wraps the other directives and records
 * their refusals too.
 *
 * A failure to write the record is logged (without the record) and does not change the answer:
 * the action has already happened or been refused.
 */
import { defaultFieldResolver } from 'graphql'
import type { GraphQLField } from 'graphql'
import { SchemaDirectiveVisitor } from 'graphql-tools'
import { RetryingKv, VBaseKv } from '../lib/vbase'

import type { Context } from '../clients'
import type { ActorKind } from '../audit/log'
import { AUDIT_BUCKET, AuditLog, OK } from '../audit/log'
import type { SsoState } from '../sso'

/** Where the trail is kept; `ctx.state.auditLog` (set by tests) first. */
export function auditLogFor(ctx: Context): AuditLog {
  const state = ctx.state as { auditLog?: AuditLog }
  state.auditLog ??= new AuditLog(new RetryingKv(new VBaseKv(ctx.clients.vbase, AUDIT_BUCKET)))
  return state.auditLog
}

function outcomeOf(e: unknown): string {
  const code = (e as { extensions?: { code?: unknown } })?.extensions?.code ?? (e as { code?: unknown })?.code
  return typeof code === 'string' && /^[A-Z][A-Z0-9_]{0,63}$/.test(code) ? code : 'INTERNAL_ERROR'
}

/** An id argument as given, if it is a plausible id (never free text). */
function idArg(value: unknown): string | null {
  return typeof value === 'string' && /^[A-Za-z0-9_-]{1,64}$/.test(value) ? value : null
}

function actorOf(ctx: Context): { actor: string; actorKind: ActorKind } {
  const person = (ctx.state as SsoState).persons?.admin
  if (!person) return { actor: 'unknown', actorKind: 'UNKNOWN' }
  return { actor: person.email, actorKind: person.isAppKey ? 'APP_KEY' : 'PERSON' }
}

export class Audited extends SchemaDirectiveVisitor {
  public override visitFieldDefinition(field: GraphQLField<unknown, Context>): void {
    const { resolve = defaultFieldResolver } = field
    const { operation } = this.args as { operation: string }
    field.resolve = async (root, args, ctx, info) => {
      const orderId = idArg((args as { orderId?: unknown }).orderId)
      let outcome = OK
      let jobId: string | null = null
      try {
        const answer = await resolve(root, args, ctx, info)
        jobId = orderId === null ? idArg((answer as { id?: unknown } | null)?.id) : null
        return answer
      } catch (e) {
        outcome = outcomeOf(e)
        throw e
      } finally {
        try {
          await auditLogFor(ctx).append({ ...actorOf(ctx), operation, orderId, jobId, outcome })
        } catch (e) {
          ctx.vtex.logger.error({
            message: 'audit: record not written',
            operation,
            status: (e as { response?: { status?: unknown } })?.response?.status ?? null,
          })
        }
      }
    }
  }
}
