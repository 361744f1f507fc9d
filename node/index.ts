import type { ClientsConfig, ParamsContext } from '@vtex/api'
import { method, Service } from '@vtex/api'

import type { State } from './clients'
import { Clients } from './clients'
import { schemaDirectives } from './directives'
import { requirePerson } from './middlewares/requirePerson'
import { resolvers } from './resolvers'
import { health } from './routes/health'
import { adminSession } from './routes/session'

const clients: ClientsConfig<Clients> = {
  implementation: Clients,
  options: {
    default: { retries: 2, timeout: 3000 },
    // Bounds the parallel specification reads of one request.
    catalog: { concurrency: 16 },
    // A person waits for this call: fail fast rather than hold the request.
    vtexId: { timeout: 2000 },
  },
}

export default new Service<Clients, State, ParamsContext>({
  clients,
  graphql: { resolvers, schemaDirectives },
  routes: {
    health: method({ GET: [health] }),
    adminSession: method({ GET: [requirePerson({ audience: 'admin', allowAppKey: true }), adminSession] }),
  },
})
