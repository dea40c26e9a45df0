// The public surface of src/history: record client operations, then check them.

export { HistoryRecorder } from './recorder.js';
export type { HistoryEvent, Op, OpResult, Operation, ProcessId, RecorderOptions, Status, TrackOptions, Value } from './recorder.js';
export { listAppendModel, registerModel } from './model.js';
export type { HistoryModel, ListNode, ListState, Model, StepResult } from './model.js';
export { checkHistory, checkKey, chooseModel } from './checker.js';
export type { CheckOptions, CheckResult, KeyResult, ModelChoice, Verdict } from './checker.js';
export { formatViolation, shrinkCounterexample } from './counterexample.js';
export type { ShrinkLimits, Violation } from './counterexample.js';
export { searchLinearization } from './search.js';
export type { SearchBudget, SearchOp, SearchResult } from './search.js';
