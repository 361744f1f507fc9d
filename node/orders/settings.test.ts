/** The runtime checks of the orders settings the manifest's schema alone cannot guarantee. */
import { MIN_SECRET_LENGTH, parseSettings } from './settings'

describe('hookSecret at runtime', () => {
  it('counts a secret shorter than the minimum as none (every hook and tick call refused)', () => {
    expect(parseSettings({ hookSecret: 'x'.repeat(MIN_SECRET_LENGTH - 1) }).hookSecret).toBeNull()
    expect(parseSettings({ hookSecret: `  ${'x'.repeat(MIN_SECRET_LENGTH - 1)}  ` }).hookSecret).toBeNull()
    expect(parseSettings({ hookSecret: 'x'.repeat(MIN_SECRET_LENGTH) }).hookSecret).toBe('x'.repeat(MIN_SECRET_LENGTH))
  })

  it('refuses one secret for both directions: a hook secret equal to the ERP token counts as none', () => {
    const secret = 'the-same-secret-for-both'
    expect(parseSettings({ hookSecret: secret, erpToken: secret })).toMatchObject({ hookSecret: null, erpToken: secret })
    expect(parseSettings({ hookSecret: secret, erpToken: 'another-erp-token' }).hookSecret).toBe(secret)
  })

  it('matches the manifest schema minimum', () => {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const manifest = require('../../manifest.json') as { settingsSchema: { properties: { hookSecret: { minLength: number } } } }
    expect(manifest.settingsSchema.properties.hookSecret.minLength).toBe(MIN_SECRET_LENGTH)
  })
})
