import type { ClientsConfig, ParamsContext, RecorderState } from '@vtex/api'
import { method, Service } from '@vtex/api'

import { Clients } from './clients'
import { resolvers } from './resolvers'
import { health } from './routes/health'

const clients: ClientsConfig<Clients> = {
  implementation: Clients,
  options: {
    default: { retries: 2, timeout: 3000 },
    // Bounds the parallel specification reads of one request.
    catalog: { concurrency: 16 },
  },
}

export default new Service<Clients, RecorderState, ParamsContext>({
  clients,
  graphql: { resolvers },
  routes: { health: method({ GET: [health] }) },
})
