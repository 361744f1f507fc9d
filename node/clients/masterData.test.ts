import { anyOf, contentTotal, quoted } from './masterData'

describe('Master Data query helpers', () => {
  it('reads the total of REST-Content-Range in both spellings VTEX documents', () => {
    expect(contentTotal('resources 0-100/250')).toBe(250)
    expect(contentTotal('resources=0-10/98')).toBe(98)
    expect(contentTotal(undefined)).toBeNull()
    expect(contentTotal('garbage')).toBeNull()
  })

  it('quotes _where values so an email with a plus sign or a document with dots is one value', () => {
    expect(quoted('ana+vip@example.com')).toBe('"ana+vip@example.com"')
    expect(quoted('a"b\\c')).toBe('"abc"')
    expect(anyOf('email', ['a@x.com', 'b@y.com'])).toBe('email="a@x.com" OR email="b@y.com"')
  })
})
