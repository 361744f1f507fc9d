/** The runtime checks of the orders settings the manifest's schema alone cannot guarantee. */
import { MIN_SECRET_LENGTH, parseSettings } from './settings'

describe('secrets at runtime', () => {
  it('counts a secret shorter than the minimum as none (every call on its route refused)', () => {
    expect(parseSettings({ hookSecret: 'x'.repeat(MIN_SECRET_LENGTH - 1) }).hookSecret).toBeNull()
    expect(parseSettings({ hookSecret: `  ${'x'.repeat(MIN_SECRET_LENGTH - 1)}  ` }).hookSecret).toBeNull()
    expect(parseSettings({ hookSecret: 'x'.repeat(MIN_SECRET_LENGTH) }).hookSecret).toBe('x'.repeat(MIN_SECRET_LENGTH))
    expect(parseSettings({ tickSecret: 't'.repeat(MIN_SECRET_LENGTH - 1) }).tickSecret).toBeNull()
    expect(parseSettings({ tickSecret: 't'.repeat(MIN_SECRET_LENGTH) }).tickSecret).toBe('t'.repeat(MIN_SECRET_LENGTH))
  })

  it('keeps one secret per direction: hook, tick and ERP token must all differ', () => {
    const secret = 'one-secret-for-two-routes'
    expect(parseSettings({ hookSecret: secret, tickSecret: secret })).toMatchObject({ hookSecret: null, tickSecret: null })
    expect(parseSettings({ tickSecret: secret, erpToken: secret })).toMatchObject({ tickSecret: null, erpToken: secret })
    expect(parseSettings({ hookSecret: secret, tickSecret: `${secret}-tick` })).toMatchObject({ hookSecret: secret, tickSecret: `${secret}-tick` })
  })

  it('refuses one secret for both directions: a hook secret equal to the ERP token counts as none', () => {
    const secret = 'the-same-secret-for-both'
    expect(parseSettings({ hookSecret: secret, erpToken: secret })).toMatchObject({ hookSecret: null, erpToken: secret })
    expect(parseSettings({ hookSecret: secret, erpToken: 'another-erp-token' }).hookSecret).toBe(secret)
  })

  it('matches the manifest schema minimum', () => {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const manifest = require('../../manifest.json') as { settingsSchema: { properties: Record<string, { minLength?: number; pattern?: string }> } }
    expect(manifest.settingsSchema.properties.hookSecret.minLength).toBe(MIN_SECRET_LENGTH)
    expect(manifest.settingsSchema.properties.tickSecret.minLength).toBe(MIN_SECRET_LENGTH)
    expect(manifest.settingsSchema.properties.erpEndpoint.pattern).toBe('^https://')
  })
})

describe('erpEndpoint at runtime', () => {
  it('accepts https only, with no exception a setting could turn on', () => {
    expect(parseSettings({ erpEndpoint: 'https://erp.example.com/vtex/' }).erpEndpoint).toBe('https://erp.example.com/vtex')
    for (const refused of [
      'http://erp.example.com/vtex',
      'http://erp.ponte-sim.test/erp',
      'ftp://erp.example.com',
      'https://user:pass@erp.example.com',
      'https://erp.example.com/?token=x',
      'erp.example.com',
    ]) {
      expect(parseSettings({ erpEndpoint: refused, allowHttp: true, ordersTuning: { allowHttp: true } }).erpEndpoint).toBeNull()
    }
  })
})
