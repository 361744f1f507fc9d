import { APP_KEY_HEADER, APP_TOKEN_HEADER, credentialsMatch, parseProviderSettings } from './providers'

describe('provider credentials', () => {
  const s = parseProviderSettings({ providerAppKey: 'vtexappkey-x', providerAppToken: 'secret-token' })
  it('takes only the configured pair', () => {
    expect(credentialsMatch({ [APP_KEY_HEADER]: 'vtexappkey-x', [APP_TOKEN_HEADER]: 'secret-token' }, s)).toBe(true)
    expect(credentialsMatch({ [APP_KEY_HEADER]: 'vtexappkey-x', [APP_TOKEN_HEADER]: 'secret-tokeN' }, s)).toBe(false)
    expect(credentialsMatch({ [APP_KEY_HEADER]: 'vtexappkey-x' }, s)).toBe(false)
    expect(credentialsMatch({}, s)).toBe(false)
  })
  it('refuses everything while unconfigured', () => {
    expect(credentialsMatch({ [APP_KEY_HEADER]: '', [APP_TOKEN_HEADER]: '' }, parseProviderSettings({}))).toBe(false)
  })
  it('reads an https ERP endpoint only', () => {
    expect(parseProviderSettings({ erpEndpoint: 'http://erp.example' }).erpEndpoint).toBeNull()
    expect(parseProviderSettings({ erpEndpoint: 'https://erp.example/' }).erpEndpoint).toBe('https://erp.example')
  })
})
