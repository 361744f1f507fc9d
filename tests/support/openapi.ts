/**
 * A small OpenAPI 3.0 response check for the answers Ponte gives as a provider (§G.2, §G.3):
 * the vendored spec's 200 response schema for an operation, and what an answer breaks of it
 * (required properties, JSON types, enums), with `$ref`s resolved. It reads only these
 * keywords; the specs' answers are small objects, which this covers.
 */
import { readFileSync } from 'fs'
import { join } from 'path'

type Schema = Record<string, unknown>

const SPEC_DIR = join(__dirname, '..', 'openapi', 'spec')

export class ResponseContract {
  private readonly spec: Schema

  constructor(file: string) {
    this.spec = JSON.parse(readFileSync(join(SPEC_DIR, file), 'utf8')) as Schema
  }

  private resolve(s: Schema): Schema {
    let node = s
    for (let guard = 0; typeof node.$ref === 'string' && guard < 32; guard++) {
      const path = (node.$ref as string).replace(/^#\//, '').split('/')
      node = path.reduce<Schema>((n, k) => (n[k] as Schema) ?? {}, this.spec)
    }
    return node
  }

  /** The 200 answer's schema of `METHOD path` (path as the spec writes it). */
  public schema(method: string, path: string): Schema {
    const paths = this.spec.paths as Record<string, Record<string, Schema>>
    const op = paths[path]?.[method.toLowerCase()]
    if (!op) throw new Error(`${method} ${path} is not in the vendored spec`)
    const ok = this.resolve(((op.responses as Record<string, Schema>)['200'] ?? {}) as Schema)
    const content = (ok.content ?? {}) as Record<string, Schema>
    const media = Object.values(content)[0]
    return media?.schema ? this.resolve(media.schema as Schema) : {}
  }

  /** What `value` breaks of the 200 answer of `METHOD path`, as `path: problem` lines. */
  public violations(method: string, path: string, value: unknown): string[] {
    const out: string[] = []
    this.check(this.schema(method, path), value, '$', out)
    return out
  }

  private check(raw: Schema, value: unknown, at: string, out: string[]): void {
    const s = this.resolve(raw)
    if (value === null) {
      if (s.nullable !== true && s.type !== undefined) out.push(`${at}: null where ${String(s.type)} is expected`)
      return
    }
    const type = s.type as string | undefined
    const actual = Array.isArray(value) ? 'array' : typeof value
    if (type === 'integer') {
      if (typeof value !== 'number' || !Number.isInteger(value)) out.push(`${at}: ${JSON.stringify(value)} is not an integer`)
    } else if (type === 'number') {
      if (typeof value !== 'number') out.push(`${at}: ${actual} is not a number`)
    } else if (type && type !== actual) {
      out.push(`${at}: ${actual} is not ${type}`)
      return
    }
    if (Array.isArray(s.enum) && !s.enum.includes(value)) out.push(`${at}: ${JSON.stringify(value)} is not one of ${JSON.stringify(s.enum)}`)
    if (Array.isArray(value) && s.items) value.forEach((v, i) => this.check(s.items as Schema, v, `${at}[${i}]`, out))
    if (actual === 'object' && !Array.isArray(value)) {
      const obj = value as Record<string, unknown>
      for (const r of (s.required as string[] | undefined) ?? []) if (!(r in obj)) out.push(`${at}.${r}: required, missing`)
      const props = (s.properties ?? {}) as Record<string, Schema>
      for (const [k, v] of Object.entries(obj)) if (props[k]) this.check(props[k], v, `${at}.${k}`, out)
    }
  }
}
