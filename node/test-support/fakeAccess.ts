/** License Manager and the audit trail in memory, for the authorization and audit checks. */
import type { Context } from '../clients'
import { AuditLog } from '../audit/log'
import type { AccessState } from '../lib/access'
import type { GrantAnswer, GrantSource } from '../clients/licenseManager'
import { FakeKv } from './fakeKv'

/** Every resource the schema names (graphql/schema.graphql), as "Product/Resource". */
export const ALL_RESOURCES = [
  'OMS/View order',
  'OMS/Change order workflow status',
  'OMS/Notify invoice',
  'OMS/Notify refund',
  'OMS/Cancel order',
  'OMS/Change order',
  'Checkout/Orders Full Access',
  'Catalog/Categories Management',
  'Catalog/Brands Management',
  'Catalog/Product and SKU Management',
  'Catalog/SKUs',
]

export class FakeLicenseManager implements GrantSource {
  private readonly grants = new Map<string, Set<string>>()
  public readonly calls: Array<{ login: string; resource: string }> = []
  /** Answers every call with this instead (e.g. a 503). */
  public failWith: GrantAnswer | null = null

  public grant(login: string, ...resources: string[]): this {
    const held = this.grants.get(login.toLowerCase()) ?? new Set()
    for (const r of resources) held.add(r)
    this.grants.set(login.toLowerCase(), held)
    return this
  }

  public grantAll(login: string): this {
    return this.grant(login, ...ALL_RESOURCES)
  }

  public async granted(login: string, productCode: string, resourceCode: string): Promise<GrantAnswer> {
    const resource = `${productCode}/${resourceCode}`
    this.calls.push({ login, resource })
    if (this.failWith) return this.failWith
    return this.grants.get(login.toLowerCase())?.has(resource) ? { status: 'granted' } : { status: 'refused' }
  }
}

/** Binds `licenseManager` and an audit trail kept in `kv` to the context, as the service would per request. */
export function withAccess(ctx: Context, licenseManager: GrantSource, kv = new FakeKv()): Context {
  const state = ctx.state as AccessState & { auditLog?: AuditLog }
  state.access = { grants: licenseManager, answers: new Map() }
  state.auditLog = new AuditLog(kv)
  return ctx
}
