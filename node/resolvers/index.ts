import { catalogQueries, categoryFields } from './Queries/Catalog'

export const resolvers = {
  Query: {
    ...catalogQueries,
  },
  Category: categoryFields,
}
