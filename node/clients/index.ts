import type { ParamsContext, RecorderState, ServiceContext } from '@vtex/api'
import { IOClients } from '@vtex/api'

import type { SsoState } from '../sso'
import { Catalog } from './catalog'
import { VtexId } from './vtexId'

/** The service's clients, created lazily per request (`apps`, for settings, comes from IOClients). */
export class Clients extends IOClients {
  public get catalog(): Catalog {
    return this.getOrSet('catalog', Catalog)
  }

  public get vtexId(): VtexId {
    return this.getOrSet('vtexId', VtexId)
  }
}

/** What the service keeps on `ctx.state` during a request. */
export interface State extends RecorderState, SsoState {}

/** The context every resolver and route handler receives. */
export type Context = ServiceContext<Clients, State, ParamsContext>
