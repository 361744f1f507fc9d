import { importMutations } from './Mutations/Import'
import { orderMutations } from './Mutations/Orders'
import { auditQueries } from './Queries/Audit'
import { catalogQueries, categoryFields } from './Queries/Catalog'
import { importJobFields, importQueries } from './Queries/Import'
import { orderQueries } from './Queries/Orders'
import { sessionQueries } from './Queries/Session'
import { JSONScalar } from './scalars'

export const resolvers = {
  JSON: JSONScalar,
  Query: {
    ...catalogQueries,
    ...sessionQueries,
    ...importQueries,
    ...orderQueries,
    ...auditQueries,
  },
  Mutation: {
    ...importMutations,
    ...orderMutations,
  },
  Category: categoryFields,
  ImportJob: importJobFields,
}
