import type { Kv } from '../lib/vbase'
import { StaleWrite } from '../lib/vbase'

export const pause = (ms: number) => new Promise<void>((done) => setTimeout(done, ms))

/** VBase in memory: JSON round-trips, an ETag per write, If-Match, optional latency and failures. */
export class FakeKv implements Kv {
  public readonly files = new Map<string, { body: string; etag: string }>()
  private version = 0
  public writes = 0
  /** Milliseconds each call waits (a function to vary it), to interleave replicas. */
  public latency: () => number = () => 0
  /** Throws (like a VBase 5xx) on the next puts whose path matches. */
  public failPuts: Array<{ prefix: string; times: number }> = []
  /** The next this-many gets answer without an ETag (a lost header). */
  public dropEtags = 0

  /** Reads made (gets). */
  public reads = 0

  public async get<T>(path: string): Promise<{ data: T; etag: string | null } | null> {
    this.reads += 1
    await this.wait()
    const f = this.files.get(path)
    if (!f) return null
    if (this.dropEtags > 0) {
      this.dropEtags -= 1
      return { data: JSON.parse(f.body) as T, etag: null }
    }
    return { data: JSON.parse(f.body) as T, etag: f.etag }
  }

  /** Answers no ETag to this-many more puts (a store that does not tell it). */
  public untaggedPuts = 0

  public async put(path: string, data: unknown, ifMatch?: string): Promise<void> {
    await this.putTagged(path, data, ifMatch)
  }

  public async putTagged(path: string, data: unknown, ifMatch?: string): Promise<string | null> {
    await this.wait()
    const fail = this.failPuts.find((f) => path.startsWith(f.prefix) && f.times > 0)
    if (fail) {
      fail.times -= 1
      throw Object.assign(new Error('VBase 503'), { response: { status: 503 } })
    }
    const current = this.files.get(path)
    if (ifMatch !== undefined) {
      if (!current) throw new StaleWrite(`${path} is absent`)
      if (ifMatch !== '*' && ifMatch !== current.etag) throw new StaleWrite(`${path} changed`)
    }
    this.writes += 1
    const etag = `"${++this.version}"`
    this.files.set(path, { body: JSON.stringify(data), etag })
    if (this.untaggedPuts > 0) {
      this.untaggedPuts -= 1
      return null
    }
    return etag
  }

  public async delete(path: string): Promise<void> {
    await this.wait()
    this.files.delete(path)
  }

  public async list(prefix: string, limit: number): Promise<string[]> {
    await this.wait()
    return [...this.files.keys()].filter((p) => p.startsWith(prefix)).sort().slice(0, limit)
  }

  /** Pages whose cursor is the last path of the page (as the sim's VBase does). */
  public async listPage(prefix: string, limit: number, next?: string | null): Promise<{ paths: string[]; next: string | null }> {
    await this.wait()
    this.pages += 1
    const all = [...this.files.keys()].filter((p) => p.startsWith(prefix) && (!next || p > next)).sort()
    const paths = all.slice(0, limit)
    return { paths, next: all.length > limit ? paths[paths.length - 1] : null }
  }

  /** listPage calls so far. */
  public pages = 0

  public json<T>(path: string): T | null {
    const f = this.files.get(path)
    return f ? (JSON.parse(f.body) as T) : null
  }

  private async wait(): Promise<void> {
    const ms = this.latency()
    if (ms > 0) await pause(ms)
  }
}
