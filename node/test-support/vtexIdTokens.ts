/**
 * ES256 tokens shaped like VTEX ID's (§I), signed with a key made for the test run,
 * and a fake VTEX ID that confirms the tokens it issued until they are logged out.
 */
import { createPrivateKey, generateKeyPairSync, randomUUID, sign } from 'crypto'
import type { KeyObject } from 'crypto'

import type { AppTokenAnswer, ValidateAnswer, VtexIdSource } from '../clients/vtexId'

const b64url = (data: Buffer | string) => Buffer.from(data).toString('base64url')

export interface SigningKey {
  kid: string
  privateKey: KeyObject
  /** `{"keys":[...]}` with the public key. */
  jwks: string
}

export function signingKey(kid = 'A1B2C3D4E5F60718293A4B5C6D7E8F9012345678'): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid, alg: 'ES256', use: 'sig' }
  return { kid, privateKey: createPrivateKey(privateKey.export({ format: 'pem', type: 'pkcs8' })), jwks: JSON.stringify({ keys: [jwk] }) }
}

export interface TokenClaims {
  sub: string
  account: string
  audience: string
  sess?: string
  exp: number
  userId?: string
  iat: number
  iss: string
  jti: string
  [claim: string]: unknown
}

/** Claims as VTEX ID issues them, valid for a day from `now` (unix s). */
export function claimsFor(
  overrides: Partial<TokenClaims> & { account: string; audience: 'admin' | 'webstore' | string },
  now = Math.floor(Date.now() / 1000)
): TokenClaims {
  return {
    sub: 'ana@example.com',
    sess: randomUUID(),
    exp: now + 86400,
    userId: randomUUID(),
    iat: now,
    iss: 'token-emitter',
    jti: randomUUID(),
    ...overrides,
  }
}

/** The order of P-256. */
const N = BigInt('0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551')

/** r ‖ s with s replaced by n − s: the same signature, spelled differently (ES256 malleability). */
export function flipS(signature: Buffer): Buffer {
  const s = BigInt(`0x${signature.subarray(32).toString('hex')}`)
  const flipped = Buffer.from((N - s).toString(16).padStart(64, '0'), 'hex')
  return Buffer.concat([signature.subarray(0, 32), flipped])
}

const isHighS = (signature: Buffer) => BigInt(`0x${signature.subarray(32).toString('hex')}`) > N / BigInt(2)

/** A compact JWS; `highS` picks which of the two spellings of the signature (default: low s, canonical). */
export function mint(key: SigningKey, claims: TokenClaims, options: { header?: Record<string, unknown>; highS?: boolean } = {}): string {
  const head = b64url(JSON.stringify({ alg: 'ES256', kid: key.kid, typ: 'jwt', ...options.header }))
  const body = b64url(JSON.stringify(claims))
  let signature = sign('sha256', Buffer.from(`${head}.${body}`), { key: key.privateKey, dsaEncoding: 'ieee-p1363' })
  if (isHighS(signature) !== (options.highS ?? false)) signature = flipS(signature)
  return `${head}.${body}.${b64url(signature)}`
}

/** The same token with its signature's other spelling. */
export function malleate(token: string): string {
  const [head, body, signature] = token.split('.')
  return `${head}.${body}.${b64url(flipS(Buffer.from(signature, 'base64url')))}`
}

/** VTEX ID in memory: confirms what it issued, forgets what was logged out, counts calls. */
export class FakeVtexId implements VtexIdSource {
  public readonly calls = { validate: 0, appTokenLogin: 0 }
  private readonly issued = new Map<string, TokenClaims>()
  private readonly appKeys = new Map<string, string>()
  /** When set, every call answers this HTTP status (0: unreachable). */
  public failWith: number | null = null

  constructor(
    public readonly key: SigningKey = signingKey(),
    /** Milliseconds, for the tokens it issues to app keys. */
    private readonly now: () => number = Date.now
  ) {}

  public login(claims: TokenClaims): string {
    const token = mint(this.key, claims)
    this.issued.set(token, claims)
    return token
  }

  public logout(token: string): void {
    this.issued.delete(token)
  }

  public addAppKey(appKey: string, appToken: string): void {
    this.appKeys.set(appKey, appToken)
  }

  public async validate(token: string): Promise<ValidateAnswer> {
    this.calls.validate += 1
    if (this.failWith !== null) return { status: 'failed', httpStatus: this.failWith }
    const claims = this.issued.get(token)
    if (!claims) return { status: 'refused' }
    return {
      status: 'confirmed',
      confirmation: {
        authStatus: 'Success',
        id: claims.userId,
        user: claims.sub,
        account: claims.account,
        audience: claims.audience,
        tokenType: 'user',
      },
    }
  }

  public async appTokenLogin(appKey: string, appToken: string): Promise<AppTokenAnswer> {
    this.calls.appTokenLogin += 1
    if (this.failWith !== null) return { status: 'failed', httpStatus: this.failWith }
    if (this.appKeys.get(appKey) !== appToken) return { status: 'refused' }
    const account = appKey.replace(/^vtexappkey-/, '').replace(/-[A-Z0-9]+$/, '')
    const now = Math.floor(this.now() / 1000)
    const token = this.login(claimsFor({ sub: appKey, account, audience: 'admin', sess: undefined, userId: undefined, exp: now + 6 * 3600 }, now))
    return { status: 'issued', token }
  }
}
