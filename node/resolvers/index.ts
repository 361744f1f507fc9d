import { importJobFields, importMutations, importQueries, JSONScalar } from './Import'
import { orderMutations, orderQueries } from './Orders'
import { catalogQueries, categoryFields } from './Queries/Catalog'
import { sessionQueries } from './Queries/Session'

export const resolvers = {
  JSON: JSONScalar,
  Query: {
    ...catalogQueries,
    ...sessionQueries,
    ...importQueries,
    ...orderQueries,
  },
  Mutation: {
    ...importMutations,
    ...orderMutations,
  },
  Category: categoryFields,
  ImportJob: importJobFields,
}
