/** importCatalogBatch (behind @requiresPerson ADMIN): stores the job and answers at once, QUEUED. */
import type { Context } from '../../clients'
import { importDeps, runner } from '../../import/deps'
import { parseOptions } from '../../import/job'
import type { BatchArgs } from '../Queries/Import'
import { toJob } from '../Queries/Import'
import { asBatch } from '../scalars'

export const importMutations = {
  importCatalogBatch: async (_root: unknown, args: BatchArgs, ctx: Context) => {
    const batch = asBatch(args.batch)
    const options = parseOptions(args.options)
    const job = await runner.submit(importDeps(ctx), batch, options)
    return toJob(job)
  },
}
