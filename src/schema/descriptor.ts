// Descriptors: the plain-data form of a metric set that codegen bakes into the generated module,
// the runtime lays out in memory, and the wire carries once per stream.
import type { AttributeType } from "./attributes.ts";
import type { InstrumentKind, Stability, ValueType } from "./instruments.ts";

export interface FieldDescriptor {
  /** Full metric name, e.g. `http.server.request.duration`. */
  readonly name: string;
  /** Property name in the schema and on the generated class. */
  readonly key: string;
  readonly instrument: InstrumentKind;
  readonly unit: string;
  readonly brief: string;
  readonly valueType: ValueType;
  readonly stability: Stability;
  /** Histogram upper bounds; absent for other instruments. */
  readonly bounds?: readonly number[];
  /** Offset of the field inside one measurement slot, in Float64 elements. */
  readonly offset: number;
  /** Float64 elements the field uses in one slot (see layout.ts). */
  readonly width: number;
}

export interface EntityAttributeDescriptor {
  /** Attribute key on the wire, e.g. `worker_id`. */
  readonly name: string;
  /** Property name in the schema and in the constructor argument. */
  readonly key: string;
  readonly type: AttributeType;
  readonly brief: string;
}

export interface MeasureDescriptor {
  readonly name: string;
  readonly key: string;
  readonly brief: string;
  readonly values: readonly string[];
}

export interface MetricSetDescriptor {
  readonly name: string;
  readonly brief: string;
  /** sha256 (hex, 16 chars) of the schema's canonical descriptors; same schema, same hash. */
  readonly schemaHash: string;
  /** Name of the attribute set providing the entity attributes, if any. */
  readonly attributeSet?: string;
  readonly attributes: readonly EntityAttributeDescriptor[];
  readonly measures: readonly MeasureDescriptor[];
  readonly fields: readonly FieldDescriptor[];
  /** Float64 elements per measurement slot (sum of field widths). */
  readonly stride: number;
  /** Number of measurement slots: the product of the measures' value counts (1 without measures). */
  readonly slots: number;
  /** Live instances per thread before folding into the overflow instance. */
  readonly maxInstances: number;
}
