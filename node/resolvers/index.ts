import { importJobFields, importMutations, importQueries, JSONScalar } from './Import'
import { catalogQueries, categoryFields } from './Queries/Catalog'
import { sessionQueries } from './Queries/Session'

export const resolvers = {
  JSON: JSONScalar,
  Query: {
    ...catalogQueries,
    ...sessionQueries,
    ...importQueries,
  },
  Mutation: {
    ...importMutations,
  },
  Category: categoryFields,
  ImportJob: importJobFields,
}
