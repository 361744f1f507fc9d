import { parseFaultPoints } from './faults'

describe('parseFaultPoints', () => {
  it('reads point:count pairs, a bare point being its first reach', () => {
    expect([...parseFaultPoints('after-claim:3, during-record-write')]).toEqual([
      ['after-claim', 3],
      ['during-record-write', 1],
    ])
    expect(parseFaultPoints(undefined).size).toBe(0)
    expect(parseFaultPoints('').size).toBe(0)
  })

  it('refuses an unknown point or a count that is not a positive integer', () => {
    expect(() => parseFaultPoints('after-lunch:2')).toThrow(/after-lunch:2/)
    expect(() => parseFaultPoints('after-claim:0')).toThrow(/after-claim:0/)
    expect(() => parseFaultPoints('after-erp-post:x')).toThrow()
  })
})
