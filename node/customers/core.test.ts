import { PonteError } from '../lib/errors'
import { masterDataCall, normalizeEmail, planCustomerSync, validateCustomers } from './core'
import type { CustomerBatch } from './core'

const batch: CustomerBatch = {
  customers: [
    {
      email: ' Ana.Souza+VIP@Example.com ',
      firstName: 'Ana',
      documentType: 'CPF',
      document: '529.982.247-25',
      phone: '+5511999990000',
      addresses: [
        { addressName: 'casa', street: 'Av. São João', number: '100', city: 'São Paulo', country: 'bra', postalCode: '01035000' },
      ],
    },
  ],
  policy: { erpWins: [], addressErpWins: [], staleAddresses: 'keep', corporateDocumentIsCnpj: true },
}

describe('customers core facade (wasm)', () => {
  it('validates and returns the lookups', () => {
    const v = validateCustomers(batch)
    expect(v.errors).toEqual([])
    // The normalised forms, and the spellings another writer may have stored (§F.4).
    expect(v.lookups.emails[0]).toBe('ana.souza+vip@example.com')
    expect(v.lookups.documents).toEqual([
      { documentType: 'CPF', document: '52998224725' },
      { documentType: 'CPF', document: '529.982.247-25' },
    ])
  })

  it('plans a CL upsert then its AD, and maps them to Master Data calls', () => {
    const { plan, errors } = planCustomerSync('ponte', { profiles: [], addresses: [], written: [] }, batch)
    expect(errors).toEqual([])
    const [cl, ad] = plan!.writes
    const clCall = masterDataCall(cl)
    expect(clCall).toMatchObject({ method: 'PATCH', path: '/api/dataentities/CL/documents' })
    expect(clCall.body).toMatchObject({ id: cl.id, email: 'ana.souza+vip@example.com', document: '52998224725' })
    const adCall = masterDataCall(ad)
    expect(adCall.body).toMatchObject({ id: ad.id, userId: cl.id, postalCode: '01035-000', country: 'BRA' })
    expect(masterDataCall({ ...cl, method: 'delete' })).toEqual({ method: 'DELETE', path: `/api/dataentities/CL/documents/${cl.id}` })
  })

  it('refuses a bad email with the core code', () => {
    expect(normalizeEmail('A@X.com')).toBe('a@x.com')
    let error: unknown
    try {
      normalizeEmail('not-an-email')
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(PonteError)
    expect((error as PonteError).code).toBe('CUSTOMER_EMAIL_INVALID')
  })

  it('never puts an email, a document or a phone number in an error message', () => {
    const planted = {
      customers: [
        { email: 'planted.person@example.com', documentType: 'CPF', document: '123.456.789-00', phone: '+5511988887777' },
        { email: 'PLANTED.person@example.com', documentType: 'CPF', document: '111.444.777-35', phone: '+5511988887777' },
        { email: 'second.planted@example.com', documentType: 'CPF', document: '111.444.777-35' },
        { email: 'broken planted@example.com' },
      ],
    } as CustomerBatch
    const v = validateCustomers(planted)
    expect(v.errors.map((e) => e.code)).toEqual([
      'CUSTOMER_DOCUMENT_INVALID', 'CUSTOMER_EMAIL_TWO_DOCUMENTS', 'CUSTOMER_EMAIL_INVALID',
    ])
    const text = JSON.stringify(v.errors)
    for (const secret of ['planted', '123.456.789', '12345678900', '11144477735', '111.444.777', '98888']) {
      expect(text).not.toContain(secret)
    }
  })

  it('turns a request of the wrong shape into CUSTOMER_INPUT_MALFORMED, without the values', () => {
    expect(() => validateCustomers({ customers: 'x' } as unknown as CustomerBatch)).toThrow(
      expect.objectContaining({ code: 'CUSTOMER_INPUT_MALFORMED' })
    )
    const wrongType = { customers: [{ email: 'a@x.com', isCorporate: 'planted.person@example.com' }] }
    let error: unknown
    try {
      validateCustomers(wrongType as unknown as CustomerBatch)
    } catch (e) {
      error = e
    }
    expect((error as PonteError).code).toBe('CUSTOMER_INPUT_MALFORMED')
    expect((error as PonteError).message).not.toContain('planted')
  })
})
