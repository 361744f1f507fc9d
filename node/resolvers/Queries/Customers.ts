/**
 * `customer(email)` (behind @requiresPerson ADMIN): the CL documents holding the normalised
 * email (Master Data does not keep emails unique, §F.1: the first by id is answered, the others
 * listed as duplicates) and the AD documents whose `userId` is its bare id (§F.1), read with the
 * app's token (CL and AD fields are private). The email is never put in an error message.
 */
import type { Context } from '../../clients'
import { anyOf, MasterData } from '../../clients/masterData'
import type { MdDocument } from '../../clients/masterData'
import { normalizeEmail } from '../../customers/core'
import { scrubVariables } from '../../customers/pii'
import { AD_FIELDS, CL_FIELDS } from '../../customers/sync'
import { PonteError, vtexRequestFailed } from '../../lib/errors'

const text = (v: unknown) => (typeof v === 'string' && v !== '' ? v : null)

export const customerQueries = {
  customer: async (_root: unknown, args: { email: unknown }, ctx: Context) => {
    scrubVariables(ctx)
    let email: string
    try {
      email = normalizeEmail(typeof args.email === 'string' ? args.email : '')
    } catch (e) {
      // The core's message names no value; keep only its code.
      throw new PonteError(e instanceof PonteError ? e.code : 'CUSTOMER_EMAIL_INVALID', 'argument "email" is not a valid email')
    }
    const md = new MasterData(ctx.vtex, { timeout: 10000 })
    const profiles = await md.searchAll<MdDocument>('CL', anyOf('email', [email]), ['id', ...CL_FIELDS]).catch((e) => {
      throw vtexRequestFailed(e, 'reading the profile from Master Data')
    })
    if (profiles.length === 0) return null
    const [cl, ...others] = [...profiles].sort((a, b) => a.id.localeCompare(b.id))
    const addresses = await md.searchAll<MdDocument>('AD', anyOf('userId', [cl.id]), ['id', 'userId', ...AD_FIELDS]).catch((e) => {
      throw vtexRequestFailed(e, 'reading the addresses from Master Data')
    })
    return {
      id: cl.id,
      email: text(cl.email) ?? email,
      firstName: text(cl.firstName),
      lastName: text(cl.lastName),
      phone: text(cl.phone),
      documentType: text(cl.documentType),
      document: text(cl.document),
      isCorporate: typeof cl.isCorporate === 'boolean' ? cl.isCorporate : null,
      corporateName: text(cl.corporateName),
      tradeName: text(cl.tradeName),
      corporateDocument: text(cl.corporateDocument),
      stateRegistration: text(cl.stateRegistration),
      priceTables: text(cl.priceTables),
      duplicates: others.map((o) => o.id),
      addresses: addresses.map((a) => ({
        id: a.id,
        addressName: text(a.addressName),
        addressType: text(a.addressType),
        receiverName: text(a.receiverName),
        street: text(a.street),
        number: text(a.number),
        complement: text(a.complement),
        neighborhood: text(a.neighborhood),
        city: text(a.city),
        state: text(a.state),
        country: text(a.country),
        postalCode: text(a.postalCode),
      })),
    }
  },
}
