/** The ERP client leaves through VTEX IO's outbound proxy asking for HTTPS. */
import { viaProxy } from './erp'

describe('viaProxy', () => {
  it('sends an https endpoint as plain HTTP to the proxy with X-Vtex-Use-Https', () => {
    expect(viaProxy('https://erp.example.com/vtex/orders')).toEqual({
      url: 'http://erp.example.com/vtex/orders',
      headers: { 'X-Vtex-Use-Https': 'true' },
    })
    expect(viaProxy('HTTPS://erp.example.com/x').url).toBe('http://erp.example.com/x')
  })
})
