// Attribute declarations: entity attributes (fixed per metric-set instance, any value) and
// measurement attributes (bounded enums laid out as dense slots).

export type AttributeType = "string" | "int" | "double" | "boolean";

export interface AttributeOptions {
  /** Attribute key on the wire; defaults to the property in snake case (`workerId` -> `worker_id`). */
  readonly name?: string;
  readonly note?: string;
  /**
   * Event fields only: the longest value a `str` field records, in UTF-8 bytes (1 to 4096,
   * required for event strings). Longer values are cut at a character boundary and marked truncated.
   */
  readonly maxLength?: number;
}

export interface AttributeSpec<T extends AttributeType = AttributeType> {
  readonly kind: "attribute";
  readonly type: T;
  readonly brief: string;
  readonly options: AttributeOptions;
}

export interface EnumSpec<V extends string = string> {
  readonly kind: "enum";
  readonly values: readonly V[];
  readonly brief: string;
  readonly options: AttributeOptions;
}

export interface AttributeSetSpec<A extends Record<string, AttributeSpec> = Record<string, AttributeSpec>> {
  readonly kind: "attributeSet";
  readonly name: string;
  readonly attributes: A;
}

export const str = (brief: string, options: AttributeOptions = {}): AttributeSpec<"string"> => ({ kind: "attribute", type: "string", brief, options });
export const int = (brief: string, options: AttributeOptions = {}): AttributeSpec<"int"> => ({ kind: "attribute", type: "int", brief, options });
export const double = (brief: string, options: AttributeOptions = {}): AttributeSpec<"double"> => ({ kind: "attribute", type: "double", brief, options });
export const bool = (brief: string, options: AttributeOptions = {}): AttributeSpec<"boolean"> => ({ kind: "attribute", type: "boolean", brief, options });

/** A bounded measurement attribute: recording picks one of `values`; each value gets its own slot. */
export const oneOf = <const V extends string>(values: readonly V[], brief: string, options: AttributeOptions = {}): EnumSpec<V> => ({
  kind: "enum",
  values,
  brief,
  options,
});

/** A named group of entity attributes, reusable by several metric sets. */
export const attributes = <const A extends Record<string, AttributeSpec>>(name: string, attrs: A): AttributeSetSpec<A> => ({
  kind: "attributeSet",
  name,
  attributes: attrs,
});

export const ATTRIBUTE_FUNCTIONS: Readonly<Record<string, AttributeType>> = { str: "string", int: "int", double: "double", bool: "boolean" };
