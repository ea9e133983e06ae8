export { compileExpression, compileTemplate, isTrue, ExpressionError, type CompiledExpression } from './expression';
export {
  IntentFileSchema, loadProcedureSet, parseIntentFile, ProcedureSet, ProcedureSetError, toolsOf, validateProcedure, writesOf,
  type IntentFile, type IntentProcedures, type ProcedureProblem,
} from './procedure-set';
export { checkAgainstCatalogue } from './catalogue-check';
export { coerceSlot, prefillSlots, slotAnswerSchema, type SlotPrefill, type SlotQuestion } from './slots';
export { runProcedure, type ProcedureContext, type ProcedureRun, type ProcedureToolPort, type RunOptions } from './procedure-runner';
export { runSuccessChecks, type SuccessReport } from './success-checks';
export { simulate, simulateSet, type SimulationResult } from './simulation';
export { diffProcedures, type ProcedureChange } from './diff';
