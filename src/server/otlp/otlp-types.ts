// The shape of a decoded ExportMetricsServiceRequest (protobufjs toObject, proto3 JSON field
// names, 64-bit integers as numbers). Everything is optional: proto3 leaves out defaults, and a
// hostile client leaves out whatever it likes, so the ingest checks before it reads.

export interface OtlpAnyValue {
  readonly stringValue?: string;
  readonly boolValue?: boolean;
  readonly intValue?: number;
  readonly doubleValue?: number;
  readonly arrayValue?: { readonly values?: readonly OtlpAnyValue[] };
  readonly kvlistValue?: { readonly values?: readonly OtlpKeyValue[] };
  readonly bytesValue?: string;
  /** Which member of the oneof is set. */
  readonly value?: string;
}

export interface OtlpKeyValue {
  readonly key?: string;
  readonly value?: OtlpAnyValue;
}

interface OtlpPointBase {
  readonly attributes?: readonly OtlpKeyValue[];
  readonly startTimeUnixNano?: number;
  readonly timeUnixNano?: number;
  readonly flags?: number;
}

export interface OtlpNumberPoint extends OtlpPointBase {
  readonly asDouble?: number;
  readonly asInt?: number;
  readonly value?: "asDouble" | "asInt";
}

export interface OtlpHistogramPoint extends OtlpPointBase {
  readonly count?: number;
  readonly sum?: number;
  readonly bucketCounts?: readonly number[];
  readonly explicitBounds?: readonly number[];
  readonly min?: number;
  readonly max?: number;
}

export interface OtlpExponentialHistogramPoint extends OtlpPointBase {
  readonly count?: number;
  readonly sum?: number;
  readonly min?: number;
  readonly max?: number;
}

export interface OtlpSummaryPoint extends OtlpPointBase {
  readonly count?: number;
  readonly sum?: number;
}

export const TEMPORALITY_DELTA = 1;
export const TEMPORALITY_CUMULATIVE = 2;
/** DataPointFlags.FLAG_NO_RECORDED_VALUE: a staleness marker, carries no value. */
export const FLAG_NO_RECORDED_VALUE = 1;

export interface OtlpMetric {
  readonly name?: string;
  readonly description?: string;
  readonly unit?: string;
  readonly gauge?: { readonly dataPoints?: readonly OtlpNumberPoint[] };
  readonly sum?: { readonly dataPoints?: readonly OtlpNumberPoint[]; readonly aggregationTemporality?: number; readonly isMonotonic?: boolean };
  readonly histogram?: { readonly dataPoints?: readonly OtlpHistogramPoint[]; readonly aggregationTemporality?: number };
  readonly exponentialHistogram?: { readonly dataPoints?: readonly OtlpExponentialHistogramPoint[]; readonly aggregationTemporality?: number };
  readonly summary?: { readonly dataPoints?: readonly OtlpSummaryPoint[] };
}

export interface OtlpScopeMetrics {
  readonly scope?: { readonly name?: string; readonly version?: string; readonly attributes?: readonly OtlpKeyValue[] };
  readonly metrics?: readonly OtlpMetric[];
  readonly schemaUrl?: string;
}

export interface OtlpResourceMetrics {
  readonly resource?: { readonly attributes?: readonly OtlpKeyValue[] };
  readonly scopeMetrics?: readonly OtlpScopeMetrics[];
  readonly schemaUrl?: string;
}

export interface OtlpRequest {
  readonly resourceMetrics?: readonly OtlpResourceMetrics[];
}
