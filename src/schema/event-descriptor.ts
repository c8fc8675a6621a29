// Descriptors of event groups: the plain-data form the codegen bakes into the generated module,
// the runtime lays out in a ring (event-layout.ts), and the wire carries once per stream.
import type { EntityAttributeDescriptor } from "./descriptor.ts";
import type { EventFieldType } from "./event-layout.ts";
import type { Severity } from "./events.ts";

export interface EventFieldDescriptor {
  /** Key in the stored fields (the property in snake case, or the explicit `name:`). */
  readonly name: string;
  /** Property name in the schema and the emitter's parameter name. */
  readonly key: string;
  readonly type: EventFieldType;
  readonly brief: string;
  /** Strings: the bound in UTF-8 bytes. */
  readonly maxLength?: number;
  /** Enums: the values, recorded as their index. */
  readonly values?: readonly string[];
  /** Float64 element of the record holding the value (see event-layout.ts). */
  readonly slot: number;
  /** Strings: byte offset of the UTF-8 bytes inside the record. */
  readonly byteOffset?: number;
}

export interface EventDescriptor {
  /** Constant event name, e.g. `job.started`. */
  readonly name: string;
  readonly key: string;
  /** `event_type` of the stored event. */
  readonly type: string;
  readonly severity: Severity;
  /** OpenTelemetry SeverityNumber. */
  readonly severityNumber: number;
  readonly brief: string;
  readonly fields: readonly EventFieldDescriptor[];
}

export interface EventGroupDescriptor {
  readonly name: string;
  readonly brief: string;
  readonly schemaHash: string;
  readonly attributeSet?: string;
  readonly attributes: readonly EntityAttributeDescriptor[];
  readonly events: readonly EventDescriptor[];
  /** Float64 elements per ring record. */
  readonly stride: number;
}
