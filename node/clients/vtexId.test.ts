import type { IOContext } from '@vtex/api'

import { VTEX_ID_PATHS, VtexId } from './vtexId'

const context = { account: 'acme', workspace: 'master', authToken: 'app-token' } as unknown as IOContext

function stubbed(answer: { status: number; data: unknown } | Error) {
  const client = new VtexId(context)
  const postRaw = answer instanceof Error ? jest.fn().mockRejectedValue(answer) : jest.fn().mockResolvedValue(answer)
  ;(client as unknown as { http: { postRaw: typeof postRaw } }).http.postRaw = postRaw
  return { client, postRaw }
}

describe('the VTEX ID client', () => {
  it("calls the account's own host, asking the IO proxy for https, with the app token", () => {
    const options = (new VtexId(context) as unknown as { options: { baseURL: string; headers: Record<string, string> } }).options
    expect(options.baseURL).toBe('http://acme.vtexcommercestable.com.br')
    expect(options.headers['X-Vtex-Use-Https']).toBe('true')
    expect(options.headers.VtexIdclientAutCookie).toBe('app-token')
  })

  it('POSTs the token in the body, never in the URL', async () => {
    const { client, postRaw } = stubbed({ status: 200, data: { authStatus: 'Success', account: 'acme', audience: 'admin', user: 'a@b.c' } })
    await expect(client.validate('the-token')).resolves.toEqual({
      status: 'confirmed',
      confirmation: { authStatus: 'Success', account: 'acme', audience: 'admin', user: 'a@b.c' },
    })
    const [url, body, config] = postRaw.mock.calls[0]
    expect(url).toBe(VTEX_ID_PATHS.validate)
    expect(body).toEqual({ token: 'the-token' })
    expect(config).toMatchObject({ metric: 'vtexid-credential-validate', params: { an: 'acme' } })
    expect(JSON.stringify([url, config.params])).not.toContain('the-token')
  })

  it.each([
    [{ status: 401, data: { authStatus: 'WrongCredentials' } }, { status: 'refused' }],
    [{ status: 200, data: { authStatus: 'WrongCredentials' } }, { status: 'refused' }],
    [{ status: 500, data: 'oops' }, { status: 'failed', httpStatus: 500 }],
    [{ status: 429, data: null }, { status: 'failed', httpStatus: 429 }],
  ])('maps %j to %j', async (answer, expected) => {
    await expect(stubbed(answer).client.validate('t')).resolves.toEqual(expected)
  })

  it('never lets an HTTP error, which holds the request body, escape', async () => {
    const error = Object.assign(new Error('socket hang up the-token'), { code: 'ECONNRESET', config: { data: '{"token":"the-token"}' } })
    await expect(stubbed(error).client.validate('the-token')).resolves.toEqual({ status: 'failed', httpStatus: 0, reason: 'ECONNRESET' })
    const odd = Object.assign(new Error('x'), { code: 'the-token' })
    await expect(stubbed(odd).client.validate('the-token')).resolves.toEqual({ status: 'failed', httpStatus: 0, reason: 'UNKNOWN' })
  })

  it('exchanges an app key pair for a token', async () => {
    const { client, postRaw } = stubbed({ status: 200, data: { authStatus: 'Success', token: 'tok', expires: 1 } })
    await expect(client.appTokenLogin('vtexappkey-acme-X', 'secret')).resolves.toEqual({ status: 'issued', token: 'tok' })
    expect(postRaw).toHaveBeenCalledWith(
      VTEX_ID_PATHS.appTokenLogin,
      { appkey: 'vtexappkey-acme-X', apptoken: 'secret' },
      expect.objectContaining({ metric: 'vtexid-apptoken-login' })
    )
    await expect(stubbed({ status: 401, data: {} }).client.appTokenLogin('k', 't')).resolves.toEqual({ status: 'refused' })
    await expect(stubbed({ status: 200, data: { authStatus: 'Success' } }).client.appTokenLogin('k', 't')).resolves.toEqual({
      status: 'refused',
    })
  })
})
