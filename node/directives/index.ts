import { Audited } from './audited'
import { RequiresPerson } from './requiresPerson'

/** The app's own schema directives; the runtime adds its natives (@auth, @cacheControl, ...). */
export const schemaDirectives = {
  requiresPerson: RequiresPerson,
  audited: Audited,
}
