import { parseFaultPoints } from './faults'

describe('parseFaultPoints', () => {
  it('reads point:count pairs, a bare point being its first reach', () => {
    const armed = parseFaultPoints('after-claim:3, during-record-write')
    expect([...armed.counted]).toEqual([
      ['after-claim', 3],
      ['during-record-write', 1],
    ])
    expect(armed.keyed.size).toBe(0)
    expect(parseFaultPoints(undefined).counted.size).toBe(0)
    expect(parseFaultPoints('').keyed.size).toBe(0)
  })

  it('reads a keyed point with its id, which may hold colons', () => {
    const armed = parseFaultPoints('payment-after-hold:pay:42,after-erp-post:5')
    expect([...armed.keyed]).toEqual([['payment-after-hold', 'pay:42']])
    expect([...armed.counted]).toEqual([['after-erp-post', 5]])
  })

  it('refuses an unknown point, a count that is not a positive integer, or a keyed point without id', () => {
    expect(() => parseFaultPoints('after-lunch:2')).toThrow(/after-lunch:2/)
    expect(() => parseFaultPoints('after-claim:0')).toThrow(/after-claim:0/)
    expect(() => parseFaultPoints('after-erp-post:x')).toThrow()
    expect(() => parseFaultPoints('payment-after-hold')).toThrow(/keyed/)
  })
})
