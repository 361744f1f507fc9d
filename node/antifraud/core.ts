/**
 * The typed facade over ponte-core's anti-fraud analysis (§G.3): open (idempotent per
 * transaction id), update, events (read or timer, manual decision, stop, hook delivered),
 * pre-analysis. Refusals throw a PonteError with the core's code; a body that does not
 * deserialize becomes `ANTIFRAUD_BODY_INVALID`.
 */
import * as core from '../generated/ponte_wasm'
import type {
  AnalysisAnswer,
  AntifraudEventRequest,
  AntifraudEventResponse,
  AntifraudOpenRequest,
  AntifraudOpenResponse,
  AntifraudScoreRequest,
  AntifraudUpdateRequest,
} from '../generated/ponte_wasm'
import { callCoreAs } from '../lib/core'
import { PonteError } from '../lib/errors'

export type { Analysis, AnalysisAnswer, AnalysisStatus, Event, HookPush, RiskFacts, RiskPolicy } from '../generated/ponte_wasm'

export const ANTIFRAUD_BODY_INVALID = 'ANTIFRAUD_BODY_INVALID'

const malformed = (message: string) => new PonteError(ANTIFRAUD_BODY_INVALID, `the request does not have the protocol's shape: ${message}`)

/** A core call whose input did not decode (`INPUT_INVALID` too) answers as a malformed body. */
const callCore = callCoreAs(malformed)

export const openAnalysis = (r: AntifraudOpenRequest): AntifraudOpenResponse => callCore(() => core.antifraud_open(r))
export const updateAnalysis = (r: AntifraudUpdateRequest): AntifraudOpenResponse => callCore(() => core.antifraud_update(r))
export const analysisEvent = (r: AntifraudEventRequest): AntifraudEventResponse => callCore(() => core.antifraud_event(r))
export const preAnalysis = (r: AntifraudScoreRequest): AnalysisAnswer => callCore(() => core.antifraud_pre_analysis(r))
