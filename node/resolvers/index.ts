import { catalogQueries, categoryFields } from './Queries/Catalog'
import { sessionQueries } from './Queries/Session'

export const resolvers = {
  Query: {
    ...catalogQueries,
    ...sessionQueries,
  },
  Category: categoryFields,
}
