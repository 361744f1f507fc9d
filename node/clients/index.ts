import type { ParamsContext, RecorderState, ServiceContext } from '@vtex/api'
import { IOClients } from '@vtex/api'

import type { SsoState } from '../sso'
import { Catalog } from './catalog'
import { Erp } from './erp'
import { Oms } from './oms'
import { VtexId } from './vtexId'

/** The service's clients, created lazily per request (`apps`, for settings, comes from IOClients). */
export class Clients extends IOClients {
  public get catalog(): Catalog {
    return this.getOrSet('catalog', Catalog)
  }

  public get vtexId(): VtexId {
    return this.getOrSet('vtexId', VtexId)
  }

  /** OMS, Feed v3 and Hook endpoints (domain.md §A, §B). */
  public get oms(): Oms {
    return this.getOrSet('oms', Oms)
  }

  /** The ERP's order endpoint (its URL comes from the app settings, per call). */
  public get erp(): Erp {
    return this.getOrSet('erp', Erp)
  }
}

/** What the service keeps on `ctx.state` during a request. */
export interface State extends RecorderState, SsoState {}

/** The context every resolver and route handler receives. */
export type Context = ServiceContext<Clients, State, ParamsContext>
