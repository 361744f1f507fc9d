/**
 * decideAntifraudReview (behind @requiresPerson ADMIN, persons only, audited): a person decides an
 * analysis the rules held for review; the decision goes to VTEX's hook once (antifraud/handlers.ts).
 */
import type { Context } from '../../clients'
import { decide } from '../../antifraud/handlers'
import { readProviderSettings } from '../../lib/providers'
import { antifraudDeps } from '../../routes/providers'

interface DecideArgs {
  transactionId: string
  decision: 'APPROVED' | 'DENIED'
}

export const antifraudMutations = {
  decideAntifraudReview: async (_root: unknown, args: DecideArgs, ctx: Context) => {
    const settings = await readProviderSettings(ctx)
    return decide(antifraudDeps(ctx, settings), args.transactionId, args.decision === 'APPROVED' ? 'approved' : 'denied')
  },
}
