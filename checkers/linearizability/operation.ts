/**
 * One operation as the search sees it: an interval [call, return] on a common
 * time axis (any unit; positions in the history for knossos semantics) with
 * the model's input and output. An operation without `return` has an unknown
 * outcome: it may have taken effect at any point after `call`, or never.
 */
export interface Operation<Input, Output> {
  readonly process: number | string;
  readonly call: number;
  readonly return?: number;
  readonly input: Input;
  /** Ignored when the outcome is unknown. */
  readonly output: Output;
}
