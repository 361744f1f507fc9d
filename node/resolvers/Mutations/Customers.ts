/**
 * The shopper's rights (LGPD/GDPR), behind @requiresPerson ADMIN and @audited:
 *
 * - `exportCustomer(email)`: everything Master Data and Ponte hold on the email: every CL
 *   document holding it (all fields, `_fields=_all`), their AD documents, and Ponte's record of
 *   what it wrote for each profile (VBase `ponte-customers/written/{id}.json`);
 * - `eraseCustomer(email, requestId)`: deletes those AD documents, then the CL documents, then
 *   Ponte's records, and tells the ERP (`POST {erpEndpoint}/customers/erasures`, the ERP
 *   keeping it once per `requestId`). Every delete accepts `404`, so a repeated request (the
 *   same `requestId` after a failure) finishes the work and tells the ERP again.
 *
 * The email is never put in an error message (it is normalised by the core first).
 */
import type { Context } from '../../clients'
import { ErpCustomers } from '../../clients/erpCustomers'
import { anyOf, MasterData } from '../../clients/masterData'
import type { MdDocument } from '../../clients/masterData'
import { normalizeEmail } from '../../customers/core'
import { scrubVariables } from '../../customers/pii'
import { WRITTEN_BUCKET, writtenPath } from '../../customers/sync'
import { PonteError, vtexRequestFailed } from '../../lib/errors'
import { VBaseKv } from '../../lib/vbase'
import { readSettings } from '../../orders/deps'

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,100}$/

function emailOf(value: unknown): string {
  try {
    return normalizeEmail(typeof value === 'string' ? value : '')
  } catch (e) {
    throw new PonteError(e instanceof PonteError ? e.code : 'CUSTOMER_EMAIL_INVALID', 'argument "email" is not a valid email')
  }
}

async function held(ctx: Context, email: string) {
  const md = new MasterData(ctx.vtex, { timeout: 10000 })
  const profiles = await md.searchAll<MdDocument>('CL', anyOf('email', [email]), ['_all']).catch((e) => {
    throw vtexRequestFailed(e, 'reading the profiles from Master Data')
  })
  const ids = profiles.map((p) => p.id)
  const addresses =
    ids.length === 0
      ? []
      : await md.searchAll<MdDocument>('AD', anyOf('userId', ids), ['_all']).catch((e) => {
          throw vtexRequestFailed(e, 'reading the addresses from Master Data')
        })
  return { md, profiles, addresses }
}

export const customerMutations = {
  exportCustomer: async (_root: unknown, args: { email: unknown }, ctx: Context) => {
    scrubVariables(ctx)
    const email = emailOf(args.email)
    const { profiles, addresses } = await held(ctx, email)
    const kv = new VBaseKv(ctx.clients.vbase, WRITTEN_BUCKET)
    const records = []
    for (const p of profiles) {
      const got = await kv.get<unknown>(writtenPath(p.id)).catch((e) => {
        throw vtexRequestFailed(e, "reading Ponte's records")
      })
      if (got) records.push(got.data)
    }
    return {
      email,
      exportedAt: new Date().toISOString(),
      masterData: { CL: profiles, AD: addresses },
      ponte: { written: records },
    }
  },

  eraseCustomer: async (_root: unknown, args: { email: unknown; requestId: unknown }, ctx: Context) => {
    scrubVariables(ctx)
    const email = emailOf(args.email)
    if (typeof args.requestId !== 'string' || !REQUEST_ID.test(args.requestId)) {
      throw new PonteError('INVALID_ID', 'argument "requestId" must be 1 to 100 letters, digits, ".", "_", ":" or "-"')
    }
    const requestId = args.requestId
    const { md, profiles, addresses } = await held(ctx, email)
    let addressesRemoved = 0
    let profilesRemoved = 0
    let recordsRemoved = 0
    try {
      // Addresses first: a CL without its AD is still findable by email for a retry.
      for (const a of addresses) if (await md.delete('AD', a.id)) addressesRemoved += 1
      for (const p of profiles) if (await md.delete('CL', p.id)) profilesRemoved += 1
    } catch (e) {
      throw vtexRequestFailed(e, 'deleting from Master Data')
    }
    const kv = new VBaseKv(ctx.clients.vbase, WRITTEN_BUCKET)
    for (const p of profiles) {
      const had = await kv.get<unknown>(writtenPath(p.id)).catch(() => null)
      await kv.delete(writtenPath(p.id)).catch((e) => {
        throw vtexRequestFailed(e, "deleting Ponte's records")
      })
      if (had) recordsRemoved += 1
    }
    const settings = await readSettings(ctx)
    const erpNotified = settings.erpEndpoint
      ? await new ErpCustomers(ctx.vtex, { timeout: 10000, retries: 1 }).erasure(settings.erpEndpoint, settings.erpToken, requestId, email)
      : false
    return { requestId, profilesRemoved, addressesRemoved, recordsRemoved, erpNotified }
  },
}
