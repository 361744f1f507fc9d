import type { Context } from '../clients'
import type { CatalogSource } from '../clients/catalog'
import { demoCatalog } from './fakeCatalog'

/** A resolver context whose clients are in-memory fakes; only what the service uses is filled in. */
export function mockContext(overrides: { catalog?: CatalogSource } = {}): Context {
  const catalog = overrides.catalog ?? demoCatalog()
  return {
    clients: { catalog },
    vtex: { account: 'ponteunit', workspace: 'master', authToken: 'token', production: false },
  } as unknown as Context
}
