import type { ServiceContext } from '@vtex/api'
import { IOClients } from '@vtex/api'

import { Catalog } from './catalog'

/** The service's clients, created lazily per request. */
export class Clients extends IOClients {
  public get catalog(): Catalog {
    return this.getOrSet('catalog', Catalog)
  }
}

/** The context every resolver and route handler receives. */
export type Context = ServiceContext<Clients>
