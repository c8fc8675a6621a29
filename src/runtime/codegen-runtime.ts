// The one entry point generated code uses (`percore/codegen-runtime`). Keep it small and stable:
// the runtime behind it may change without regenerating user code, as long as RUNTIME_API_VERSION
// does not.
import type { MetricSetDescriptor } from "../schema/descriptor.ts";
import type { AttrValue } from "./channel.ts";
import { threadRegistry } from "./thread-registry.ts";

export type { MetricSetDescriptor } from "../schema/descriptor.ts";

/** The generated-code contract version this runtime implements. */
export const RUNTIME_API_VERSION = 1;

/** Called once by every generated module; fails early when the generator and runtime disagree. */
export function checkRuntime(version: number): void {
  if (version !== RUNTIME_API_VERSION) {
    throw new Error(
      `percore: generated code targets runtime API v${version}, this runtime implements v${RUNTIME_API_VERSION}; rerun telemetry-codegen with the installed percore`,
    );
  }
}

/** Base of every generated metric-set class: owns this thread's region for the instance. */
export abstract class MetricSetBase {
  /** The instance's slots; written only by this thread through the generated field classes. */
  protected readonly values: Float64Array;
  /** Element 0 is the collector's flush epoch (read by mmsc fields). */
  protected readonly epoch: Int32Array;
  /** True when the thread's instance limit was reached and this instance folded into the overflow instance. */
  readonly overflow: boolean;
  readonly descriptor: MetricSetDescriptor;

  protected constructor(descriptor: MetricSetDescriptor, attributes: readonly AttrValue[]) {
    const region = threadRegistry().register(descriptor, attributes);
    this.descriptor = descriptor;
    this.values = region.values;
    this.epoch = region.epoch;
    this.overflow = region.overflow;
  }
}
