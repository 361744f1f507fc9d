import type { ParamsContext, RecorderState, ServiceContext } from '@vtex/api'
import { IOClients } from '@vtex/api'

import type { SsoState } from '../sso'
import { Catalog } from './catalog'
import { CatalogWriter } from './catalogImport'
import { Erp } from './erp'
import { LicenseManager } from './licenseManager'
import { Oms } from './oms'
import { Scheduler } from './scheduler'
import { VtexId } from './vtexId'

/**
 * The service's clients, created lazily per request (`apps`, for settings, and `vbase` come from
 * IOClients). Work that outlives its request (an import job, the orders flow's background work)
 * builds the same classes with its own options instead: see jobScoped.ts.
 */
export class Clients extends IOClients {
  public get catalog(): Catalog {
    return this.getOrSet('catalog', Catalog)
  }

  /** The Catalog calls of an import (reads and writes). */
  public get catalogWriter(): CatalogWriter {
    return this.getOrSet('catalogWriter', CatalogWriter)
  }

  public get vtexId(): VtexId {
    return this.getOrSet('vtexId', VtexId)
  }

  /** License Manager's `granted` check (lib/access.ts). IOClients' own `licenseManager` is another API. */
  public get grants(): LicenseManager {
    return this.getOrSet('grants', LicenseManager)
  }

  /** OMS, Feed v3 and Hook endpoints (§A, §B). */
  public get oms(): Oms {
    return this.getOrSet('oms', Oms)
  }

  /** vtex.scheduler: the feed tick's schedule (orders/setup.ts). */
  public get scheduler(): Scheduler {
    return this.getOrSet('scheduler', Scheduler)
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
