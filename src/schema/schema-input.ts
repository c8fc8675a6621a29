// The plain shape of a schema as a reader produced it (the codegen's static reader, with source
// positions as locators), and of the issues the rules report. Shared by validate.ts and its
// parts (validate-events.ts, validate-enum.ts), which import only this and never each other.
import type { AttributeType } from "./attributes.ts";
import type { InstrumentKind, Stability, ValueType } from "./instruments.ts";

export type SchemaIssueCode =
  | "E_BAD_NAME"
  | "E_DUP_METRIC"
  | "E_DUP_ATTRIBUTE"
  | "E_DUP_SET"
  | "E_ATTRIBUTE_CONFLICT"
  | "E_NO_METRICS"
  | "E_EMPTY_ATTRIBUTE_SET"
  | "E_MISSING_UNIT"
  | "E_BAD_UNIT"
  | "E_MISSING_BRIEF"
  | "E_EMPTY_BOUNDS"
  | "E_BOUNDS_ORDER"
  | "E_BOUND_NOT_FINITE"
  | "E_EMPTY_ENUM"
  | "E_DUP_ENUM_VALUE"
  | "E_BAD_ENUM_VALUE"
  | "E_CARDINALITY"
  | "E_DUP_EVENT"
  | "E_NO_EVENTS"
  | "E_BAD_SEVERITY"
  | "E_MISSING_MAX_LENGTH"
  | "E_MAX_LENGTH"
  | "E_TOO_MANY_FIELDS"
  | "E_RESERVED_FIELD"
  | "E_TOO_MANY_EVENTS"
  | "E_BAD_EVENT_TYPE";

/** One broken rule; `at` is whatever locator the caller attached to the offending part. */
export interface SchemaIssue<L> {
  readonly code: SchemaIssueCode;
  /** What is wrong (no trailing period). */
  readonly message: string;
  /** How to fix it (a sentence). */
  readonly hint: string;
  readonly at: L;
}

export interface Located<T, L> {
  readonly value: T;
  readonly at: L;
}

/** A property of the schema: `key` as written, `name` only when an explicit `name:` option was given. */
export interface KeyedInput<L> {
  readonly key: string;
  readonly at: L;
  readonly name?: string;
  readonly nameAt?: L;
}

export interface AttributeInput<L> extends KeyedInput<L> {
  readonly type: AttributeType;
  readonly brief?: string;
  readonly note?: string;
}

export interface MeasureInput<L> extends KeyedInput<L> {
  readonly values: readonly Located<string, L>[];
  readonly valuesAt: L;
  readonly brief?: string;
  readonly note?: string;
}

export interface FieldInput<L> extends KeyedInput<L> {
  readonly instrument: InstrumentKind;
  readonly unit?: string;
  readonly unitAt?: L;
  readonly brief?: string;
  readonly valueType: ValueType;
  readonly stability: Stability;
  readonly note?: string;
  readonly bounds?: readonly Located<number, L>[];
  readonly boundsAt?: L;
}

export interface AttributeSetInput<L> {
  readonly name: string;
  readonly nameAt: L;
  /** The identifier the schema declares it under, when it is a top-level const. */
  readonly declaredAs?: string;
  readonly attributes: readonly AttributeInput<L>[];
}

export interface MetricSetInput<L> {
  readonly name: string;
  readonly nameAt: L;
  readonly declaredAs?: string;
  readonly brief?: string;
  readonly attributeSet?: AttributeSetInput<L>;
  readonly measures: readonly MeasureInput<L>[];
  readonly measureAt?: L;
  readonly fields: readonly FieldInput<L>[];
  readonly maxInstances: number;
}

export interface SchemaInput<L> {
  /** Every attribute set, top-level and inline, each once, in declaration order. */
  readonly attributeSets: readonly AttributeSetInput<L>[];
  readonly metricSets: readonly MetricSetInput<L>[];
  /** Event groups (see validate-events.ts); absent in schemas read before events existed. */
  readonly eventGroups?: readonly EventGroupInput<L>[];
}

export interface EventFieldInput<L> extends KeyedInput<L> {
  readonly type: AttributeType | "enum";
  readonly brief?: string;
  readonly note?: string;
  readonly maxLength?: number;
  readonly maxLengthAt?: L;
  /** Enums: the values, and where the list is. */
  readonly values?: readonly Located<string, L>[];
  readonly valuesAt?: L;
}

export interface EventInput<L> extends KeyedInput<L> {
  readonly severity?: string;
  readonly severityAt?: L;
  readonly type: string;
  readonly typeAt?: L;
  readonly brief?: string;
  readonly note?: string;
  readonly fields: readonly EventFieldInput<L>[];
  readonly fieldsAt?: L;
}

export interface EventGroupInput<L> {
  readonly name: string;
  readonly nameAt: L;
  readonly declaredAs?: string;
  readonly brief?: string;
  readonly attributeSet?: AttributeSetInput<L>;
  readonly events: readonly EventInput<L>[];
}

export type Report<L> = (code: SchemaIssueCode, at: L, message: string, hint: string) => void;
